"""Classic CNN architectures, randomly initialised (no weights are downloaded).

Where torchvision has the model, layer shapes and state_dict keys match it, so weights trained
with torchvision load with ``model.load_state_dict(state_dict)``. ``num_classes`` and the input
channels are arguments.
"""
from .classic import alexnet, lenet5, text_cnn, vgg11, vgg13, vgg16, vgg19
from .googlenet import googlenet
from .mobilenet import mobilenet_v2
from .resnet import resnet18, resnet34, resnet50, resnet101, resnet152

__all__ = ["lenet5", "alexnet", "vgg11", "vgg13", "vgg16", "vgg19", "googlenet", "resnet18", "resnet34", "resnet50",
           "resnet101", "resnet152", "mobilenet_v2", "text_cnn"]
