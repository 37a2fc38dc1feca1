#pragma once
/// \file error.h
/// Exceptions thrown by cnncore. Kernels never throw; the op, graph and io layers validate their
/// inputs and throw one of these, with a message naming the op and the offending values.
#include <stdexcept>
#include <string>

namespace cnncore {

/// Base class of every cnncore exception.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
/// An argument (shape, attribute, weight) is invalid for the op. Python: InvalidArgumentError(ValueError).
class InvalidArgument : public Error {
 public:
  using Error::Error;
};
/// A valid request cnncore does not implement. Python: UnsupportedError(NotImplementedError).
class Unsupported : public Error {
 public:
  using Error::Error;
};
/// A model file is malformed or corrupt. Python: ModelFormatError(ValueError).
class ModelFormatError : public Error {
 public:
  using Error::Error;
};
/// A file could not be read or written. Python: OSError.
class IoError : public Error {
 public:
  using Error::Error;
};
/// A device (e.g. CUDA) failed or is absent. Python: DeviceError(RuntimeError).
class DeviceError : public Error {
 public:
  using Error::Error;
};

}  // namespace cnncore
