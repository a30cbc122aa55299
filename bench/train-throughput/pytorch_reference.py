#!/usr/bin/python3
"""The benchmark's DARTS network in PyTorch: DARTS V2 genotype, NetworkCIFAR (quark0/darts
cnn/model.py semantics), one training step = forward + cross-entropy + backward + gradient
clipping + SGD(momentum, weight decay). Prints one JSON line. Run with /usr/bin/python3
(Debian's python3-torch); the thread count is set explicitly."""
import argparse
import json
import os
import resource
import time

import torch
import torch.nn as nn

NORMAL = [('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1),
          ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)]
REDUCE = [('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1),
          ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)]
CONCAT = [2, 3, 4, 5]


def relu_conv_bn(c_in, c_out, k, stride, pad):
    return nn.Sequential(nn.ReLU(inplace=False), nn.Conv2d(c_in, c_out, k, stride, pad, bias=False), nn.BatchNorm2d(c_out))


def dil_conv(c_in, c_out, k, stride, pad, dil):
    return nn.Sequential(nn.ReLU(inplace=False),
                         nn.Conv2d(c_in, c_in, k, stride, pad, dilation=dil, groups=c_in, bias=False),
                         nn.Conv2d(c_in, c_out, 1, bias=False), nn.BatchNorm2d(c_out))


def sep_conv(c_in, c_out, k, stride, pad):
    return nn.Sequential(dil_conv(c_in, c_in, k, stride, pad, 1), dil_conv(c_in, c_out, k, 1, pad, 1))


class FactorizedReduce(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x):
        x = self.relu(x)
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(x[:, :, 1:, 1:])], dim=1))


def make_op(name, c, stride):
    if name == 'max_pool_3x3':
        return nn.MaxPool2d(3, stride=stride, padding=1)
    if name == 'avg_pool_3x3':
        return nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False)
    if name == 'skip_connect':
        return nn.Identity() if stride == 1 else FactorizedReduce(c, c)
    if name == 'sep_conv_3x3':
        return sep_conv(c, c, 3, stride, 1)
    if name == 'sep_conv_5x5':
        return sep_conv(c, c, 5, stride, 2)
    if name == 'dil_conv_3x3':
        return dil_conv(c, c, 3, stride, 2, 2)
    if name == 'dil_conv_5x5':
        return dil_conv(c, c, 5, stride, 4, 2)
    raise ValueError(name)


class Cell(nn.Module):
    def __init__(self, c_pp, c_p, c, reduction, reduction_prev):
        super().__init__()
        self.pre0 = FactorizedReduce(c_pp, c) if reduction_prev else relu_conv_bn(c_pp, c, 1, 1, 0)
        self.pre1 = relu_conv_bn(c_p, c, 1, 1, 0)
        edges = REDUCE if reduction else NORMAL
        self.indices = [i for _, i in edges]
        self.ops = nn.ModuleList([make_op(n, c, 2 if reduction and i < 2 else 1) for n, i in edges])

    def forward(self, s0, s1):
        states = [self.pre0(s0), self.pre1(s1)]
        for i in range(len(self.ops) // 2):
            states.append(self.ops[2 * i](states[self.indices[2 * i]]) + self.ops[2 * i + 1](states[self.indices[2 * i + 1]]))
        return torch.cat([states[i] for i in CONCAT], dim=1)


class NetworkCIFAR(nn.Module):
    def __init__(self, c, classes, layers):
        super().__init__()
        c_curr = 3 * c
        self.stem = nn.Sequential(nn.Conv2d(3, c_curr, 3, padding=1, bias=False), nn.BatchNorm2d(c_curr))
        c_pp, c_p, c_curr = c_curr, c_curr, c
        self.cells = nn.ModuleList()
        reduction_prev = False
        for i in range(layers):
            reduction = i in [layers // 3, 2 * layers // 3]
            if reduction:
                c_curr *= 2
            self.cells.append(Cell(c_pp, c_p, c_curr, reduction, reduction_prev))
            reduction_prev = reduction
            c_pp, c_p = c_p, len(CONCAT) * c_curr
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_p, classes)

    def forward(self, x):
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return self.classifier(self.pool(s1).flatten(1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--steps', type=int, default=10)
    p.add_argument('--channels', type=int, default=16)
    p.add_argument('--cells', type=int, default=8)
    p.add_argument('--device', default='cpu')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dev = torch.device(a.device)
    if dev.type == 'cuda':
        # What the libtorch backend does by default: deterministic cuDNN, float32 (no TF32).
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
    net = NetworkCIFAR(a.channels, 10, a.cells).to(dev)
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=0.025, momentum=0.9, weight_decay=3e-4)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(a.batch, 3, 32, 32, device=dev)
    y = torch.randint(0, 10, (a.batch,), device=dev)

    def step():
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 5)
        opt.step()
        return loss.item()

    step()  # warm-up
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    seconds = time.perf_counter() - t0
    print(json.dumps({
        'backend': 'pytorch', 'batch': a.batch, 'steps': a.steps, 'seconds': seconds,
        'imagesPerSecond': a.batch * a.steps / seconds,
        'peakRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        'params': sum(q.numel() for q in net.parameters()),
        'note': f'torch {torch.__version__}, {torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"{a.threads} threads"}, OMP_WAIT_POLICY={os.environ.get("OMP_WAIT_POLICY", "default")}',
    }))


if __name__ == '__main__':
    main()
