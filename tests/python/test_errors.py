"""Every validation rule raises the documented exception with a message naming the op and values;
never a crash."""
import numpy as np
import pytest

import cnncore as cc
from cnncore.errors import InvalidArgumentError, UnsupportedError

F = cc.functional
x4 = np.zeros((1, 4, 8, 8), np.float32)
w3 = np.zeros((6, 4, 3, 3), np.float32)

BAD = [
    # (id, call, exception, words the message must contain)
    ("conv stride 0", lambda: F.conv2d(x4, w3, stride=0), InvalidArgumentError, ["conv2d", "stride"]),
    ("conv negative stride", lambda: F.conv2d(x4, w3, stride=(1, -2)), InvalidArgumentError, ["conv2d", "stride"]),
    ("conv dilation 0", lambda: F.conv2d(x4, w3, dilation=0), InvalidArgumentError, ["conv2d", "dilation"]),
    ("conv negative padding", lambda: F.conv2d(x4, w3, padding=-1), InvalidArgumentError, ["conv2d", "padding"]),
    ("conv kernel larger than padded input", lambda: F.conv2d(x4, np.zeros((2, 4, 11, 3), np.float32)),
     InvalidArgumentError, ["conv2d", "larger than the padded input", "11"]),
    ("conv empty output", lambda: F.conv2d(np.zeros((1, 1, 2, 2), np.float32), np.zeros((1, 1, 3, 3), np.float32)),
     InvalidArgumentError, ["conv2d"]),
    ("conv groups not dividing C", lambda: F.conv2d(x4, np.zeros((6, 4, 3, 3), np.float32), groups=3),
     InvalidArgumentError, ["groups=3", "4 input channels"]),
    ("conv groups not dividing K", lambda: F.conv2d(x4, np.zeros((5, 2, 3, 3), np.float32), groups=2),
     InvalidArgumentError, ["groups=2", "5 output channels"]),
    ("conv groups 0", lambda: F.conv2d(x4, w3, groups=0), InvalidArgumentError, ["groups"]),
    ("conv weight channels", lambda: F.conv2d(x4, np.zeros((6, 3, 3, 3), np.float32)), InvalidArgumentError,
     ["conv2d", "[6, 3, 3, 3]", "[1, 4, 8, 8]"]),
    ("conv weight rank", lambda: F.conv2d(x4, np.zeros((6, 4, 3), np.float32)), InvalidArgumentError, ["weight", "4-D"]),
    ("conv input rank", lambda: F.conv2d(np.zeros((4, 8), np.float32), w3), InvalidArgumentError, ["conv2d", "4-D"]),
    ("conv bias shape", lambda: F.conv2d(x4, w3, np.zeros(5, np.float32)), InvalidArgumentError, ["bias", "[6]", "[5]"]),
    ("conv zero batch", lambda: F.conv2d(np.zeros((0, 4, 8, 8), np.float32), w3), InvalidArgumentError, ["batch"]),
    ("conv bad padding string", lambda: F.conv2d(x4, w3, padding="full"), InvalidArgumentError, ["padding", "full"]),
    ("conv padding 3-tuple", lambda: F.conv2d(x4, w3, padding=(1, 1, 1)), InvalidArgumentError, ["padding"]),
    ("conv1d weight rank", lambda: F.conv1d(np.zeros((1, 4, 9), np.float32), w3), InvalidArgumentError, ["conv1d", "3-D"]),
    ("conv1d kernel too big", lambda: F.conv1d(np.zeros((1, 4, 2), np.float32), np.zeros((2, 4, 5), np.float32)),
     InvalidArgumentError, ["conv1d", "kernel extent 5"]),
    ("convT output_padding", lambda: F.conv_transpose2d(x4, np.zeros((4, 2, 3, 3), np.float32), stride=2,
                                                        output_padding=2), InvalidArgumentError, ["output_padding"]),
    ("convT channels", lambda: F.conv_transpose2d(x4, np.zeros((3, 2, 3, 3), np.float32)), InvalidArgumentError,
     ["conv_transpose2d", "input channels"]),
    ("convT empty output", lambda: F.conv_transpose2d(np.zeros((1, 1, 1, 1), np.float32),
                                                      np.zeros((1, 1, 1, 1), np.float32), padding=1),
     InvalidArgumentError, ["conv_transpose2d", "empty"]),
    ("convT groups", lambda: F.conv_transpose2d(x4, np.zeros((4, 2, 3, 3), np.float32), groups=3),
     InvalidArgumentError, ["groups"]),
    ("pool kernel 0", lambda: F.max_pool2d(x4, 0), InvalidArgumentError, ["max_pool2d", "kernel"]),
    ("pool stride 0", lambda: F.avg_pool2d(x4, 2, 0), InvalidArgumentError, ["avg_pool2d", "stride"]),
    ("pool kernel too big", lambda: F.max_pool2d(x4, 9), InvalidArgumentError, ["max_pool2d", "larger"]),
    ("pool padding >= kernel", lambda: F.max_pool2d(x4, 2, padding=2), InvalidArgumentError, ["padding", "kernel"]),
    ("pool dilation 0", lambda: F.max_pool2d(x4, 2, dilation=0), InvalidArgumentError, ["dilation"]),
    ("pool input rank", lambda: F.max_pool2d(np.zeros((8, 8), np.float32), 2), InvalidArgumentError, ["max_pool2d"]),
    ("pool divisor 0", lambda: F.avg_pool2d(x4, 2, divisor_override=0), InvalidArgumentError, ["divisor_override"]),
    ("pool indices", lambda: F.max_pool2d(x4, 2, return_indices=True), UnsupportedError, ["return_indices"]),
    ("pool1d kernel too big", lambda: F.max_pool1d(np.zeros((1, 2, 3), np.float32), 5), InvalidArgumentError,
     ["max_pool1d"]),
    ("adaptive output 0", lambda: F.adaptive_avg_pool2d(x4, 0), InvalidArgumentError, ["adaptive_avg_pool2d", "output size"]),
    ("adaptive empty input", lambda: F.adaptive_max_pool2d(np.zeros((1, 2, 0, 3), np.float32), 1), InvalidArgumentError,
     ["adaptive_max_pool2d"]),
    ("linear features", lambda: F.linear(np.zeros((2, 5), np.float32), np.zeros((3, 4), np.float32)),
     InvalidArgumentError, ["linear", "5", "4"]),
    ("linear bias", lambda: F.linear(np.zeros((2, 4), np.float32), np.zeros((3, 4), np.float32), np.zeros(4, np.float32)),
     InvalidArgumentError, ["linear", "bias"]),
    ("linear weight rank", lambda: F.linear(np.zeros((2, 4), np.float32), np.zeros(4, np.float32)),
     InvalidArgumentError, ["weight", "2-D"]),
    ("prelu weight", lambda: F.prelu(x4, np.zeros(3, np.float32)), InvalidArgumentError, ["prelu", "3", "4"]),
    ("softmax dim", lambda: F.softmax(x4, 4), InvalidArgumentError, ["softmax", "dim 4"]),
    ("softmax no dim", lambda: F.softmax(x4), TypeError, ["dim"]),
    ("hardtanh min > max", lambda: F.hardtanh(x4, 2.0, 1.0), InvalidArgumentError, ["min", "max"]),
    ("gelu approximate", lambda: F.gelu(x4, approximate="fast"), InvalidArgumentError, ["approximate"]),
    ("bn mean shape", lambda: F.batch_norm(x4, np.zeros(3, np.float32), np.ones(4, np.float32)), InvalidArgumentError,
     ["batch_norm", "running_mean", "[4]"]),
    ("bn negative var", lambda: F.batch_norm(x4, np.zeros(4, np.float32), -np.ones(4, np.float32)),
     InvalidArgumentError, ["running_var", "negative"]),
    ("bn training", lambda: F.batch_norm(x4, np.zeros(4, np.float32), np.ones(4, np.float32), training=True),
     UnsupportedError, ["training"]),
    ("bn rank", lambda: F.batch_norm(np.zeros(4, np.float32), np.zeros(4, np.float32), np.ones(4, np.float32)),
     InvalidArgumentError, ["batch_norm"]),
    ("lrn size", lambda: F.local_response_norm(x4, 0), InvalidArgumentError, ["local_response_norm", "size"]),
    ("lrn rank", lambda: F.local_response_norm(np.zeros((2, 3), np.float32), 3), InvalidArgumentError, ["3-D"]),
    ("broadcast", lambda: F.add(np.zeros((2, 3), np.float32), np.zeros((4,), np.float32)), InvalidArgumentError,
     ["broadcast", "[2, 3]", "[4]"]),
    ("concat mismatch", lambda: F.concat([np.zeros((2, 3), np.float32), np.zeros((3, 4), np.float32)], 1),
     InvalidArgumentError, ["concat", "[3, 4]"]),
    ("concat rank", lambda: F.concat([np.zeros((2, 3), np.float32), np.zeros((2,), np.float32)], 0),
     InvalidArgumentError, ["concat"]),
    ("concat empty", lambda: F.concat([], 0), InvalidArgumentError, ["concat"]),
    ("concat dim", lambda: F.concat([np.zeros((2, 3), np.float32)], 2), InvalidArgumentError, ["concat", "dim 2"]),
    ("reshape count", lambda: F.reshape(x4, (3, -1)), InvalidArgumentError, ["reshape", "-1"]),
    ("reshape two -1", lambda: F.reshape(x4, (-1, -1)), InvalidArgumentError, ["only one"]),
    ("reshape wrong size", lambda: F.reshape(x4, (2, 2)), InvalidArgumentError, ["reshape", "256"]),
    ("flatten order", lambda: F.flatten(x4, 3, 1), InvalidArgumentError, ["flatten"]),
    ("embedding index", lambda: F.embedding(np.array([1, 10]), np.zeros((10, 4), np.float32)), InvalidArgumentError,
     ["embedding", "index 10", "position 1"]),
    ("embedding negative", lambda: F.embedding(np.array([-1]), np.zeros((10, 4), np.float32)), InvalidArgumentError,
     ["index -1"]),
    ("embedding float idx", lambda: F.embedding(np.array([1.0]), np.zeros((10, 4), np.float32)), TypeError, ["integer"]),
    ("dropout p", lambda: F.dropout(x4, 1.5), InvalidArgumentError, ["dropout", "1.5"]),
    ("dropout training", lambda: F.dropout(x4, 0.5, training=True), UnsupportedError, ["training"]),
    ("int input", lambda: F.relu(np.zeros(3, np.int32)), TypeError, ["relu", "int32"]),
    ("bool input", lambda: F.conv2d(x4.astype(bool), w3), TypeError, ["conv2d", "bool"]),
    ("object input", lambda: F.relu(np.array([object()])), TypeError, ["relu"]),
    ("complex input", lambda: F.relu(np.zeros(3, np.complex64)), TypeError, ["relu"]),
    ("ragged input", lambda: F.relu([[1.0], [1.0, 2.0]]), TypeError, ["relu"]),
    ("int weight", lambda: F.conv2d(x4, w3.astype(np.int64)), TypeError, ["conv2d", "weight"]),
    ("float stride", lambda: F.conv2d(x4, w3, stride=1.5), TypeError, ["stride"]),
    ("set_num_threads 0", lambda: cc.set_num_threads(0), InvalidArgumentError, ["set_num_threads"]),
    ("set_num_threads str", lambda: cc.set_num_threads("2"), TypeError, ["set_num_threads"]),
    ("set_max_isa unknown", lambda: cc.set_max_isa("sse9"), InvalidArgumentError, ["sse9"]),
]


@pytest.mark.parametrize("call,exc,words", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_raises(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    msg = str(info.value)
    for w in words:
        assert w in msg, f"message {msg!r} should mention {w!r}"


def test_error_classes_derive_from_builtins():
    assert issubclass(cc.InvalidArgumentError, ValueError)
    assert issubclass(cc.UnsupportedError, NotImplementedError)
    assert issubclass(cc.ModelFormatError, ValueError)
    assert issubclass(cc.DeviceError, RuntimeError)
    assert cc.InvalidArgumentError is cc.errors.InvalidArgumentError


def test_overflowing_shapes_raise_not_crash():
    with pytest.raises(InvalidArgumentError, match="overflows"):
        F.reshape(np.zeros(4, np.float32), (2**62, 2**62, -1))
    with pytest.raises(InvalidArgumentError):
        F.conv2d(x4, w3, stride=2**62, dilation=2**62)
    with pytest.raises(InvalidArgumentError):
        F.conv_transpose2d(x4, np.zeros((4, 1, 3, 3), np.float32), stride=2**62)
    with pytest.raises(InvalidArgumentError, match="too large"):
        F.max_pool2d(x4, 2**62, padding=2**62 - 1)
    with pytest.raises(InvalidArgumentError):  # output [1, 6, 2^31, 2^31] * 4 bytes cannot be allocated
        F.conv2d(np.zeros((1, 4, 1, 1), np.float32), np.zeros((6, 4, 1, 1), np.float32), padding=2**31)
