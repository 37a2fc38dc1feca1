"""LeNet-5, AlexNet, VGG and the Kim (2014) sentence-classification CNN."""
from .. import functional as F
from .. import nn


class LeNet5(nn.Module):
    """LeCun et al. 1998 on 32x32 inputs (ReLU and max pooling, as usually trained today):
    conv 6@5x5 -> pool -> conv 16@5x5 -> pool -> fc 120 -> fc 84 -> fc num_classes (61,706 parameters)."""

    def __init__(self, num_classes=10, in_channels=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def lenet5(num_classes=10, in_channels=1):
    return LeNet5(num_classes, in_channels)


class AlexNet(nn.Module):
    """torchvision's AlexNet (single-tower, no LRN): 61,100,840 parameters for 1000 classes."""

    def __init__(self, num_classes=1000, in_channels=3, dropout=0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 64, 11, stride=4, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
            nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2))
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Linear(4096, num_classes))

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(F.flatten(x, 1))


def alexnet(num_classes=1000, in_channels=3):
    return AlexNet(num_classes, in_channels)


_VGG_CFGS = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


class VGG(nn.Module):
    """torchvision's VGG: 3x3 convs stride 1 pad 1, 2x2 max pools, 7x7 adaptive pool, 3 FC layers."""

    def __init__(self, cfg, num_classes=1000, in_channels=3, batch_norm=False, dropout=0.5):
        super().__init__()
        layers, c = [], in_channels
        for v in cfg:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers.append(nn.Conv2d(c, v, 3, padding=1))
                if batch_norm:
                    layers.append(nn.BatchNorm2d(v))
                layers.append(nn.ReLU(inplace=True))
                c = v
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(dropout), nn.Linear(4096, num_classes))

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(F.flatten(x, 1))


def vgg11(num_classes=1000, in_channels=3, batch_norm=False):
    return VGG(_VGG_CFGS["vgg11"], num_classes, in_channels, batch_norm)


def vgg13(num_classes=1000, in_channels=3, batch_norm=False):
    return VGG(_VGG_CFGS["vgg13"], num_classes, in_channels, batch_norm)


def vgg16(num_classes=1000, in_channels=3, batch_norm=False):
    """138,357,544 parameters for 1000 classes (without batch norm)."""
    return VGG(_VGG_CFGS["vgg16"], num_classes, in_channels, batch_norm)


def vgg19(num_classes=1000, in_channels=3, batch_norm=False):
    return VGG(_VGG_CFGS["vgg19"], num_classes, in_channels, batch_norm)


class TextCNN(nn.Module):
    """Kim (2014), "Convolutional Neural Networks for Sentence Classification": embeddings, one
    conv1d per filter width (3, 4, 5 by default) with ReLU, max-over-time pooling, concatenation,
    dropout and a linear classifier. Input: token ids [N, L] (L >= the widest filter)."""

    def __init__(self, vocab_size=10000, embed_dim=300, num_classes=2, kernel_sizes=(3, 4, 5), num_filters=100,
                 dropout=0.5, padding_idx=None):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        self.convs = nn.ModuleList([nn.Conv1d(embed_dim, num_filters, k) for k in kernel_sizes])
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(num_filters * len(kernel_sizes), num_classes)

    def forward(self, tokens):
        x = F.permute(self.embedding(tokens), (0, 2, 1))  # [N, L, D] -> [N, D, L]
        pooled = [F.flatten(F.adaptive_max_pool1d(F.relu(conv(x)), 1), 1) for conv in self.convs]
        return self.fc(self.dropout(F.concat(pooled, 1)))


def text_cnn(vocab_size=10000, embed_dim=300, num_classes=2, kernel_sizes=(3, 4, 5), num_filters=100, dropout=0.5):
    return TextCNN(vocab_size, embed_dim, num_classes, kernel_sizes, num_filters, dropout)
