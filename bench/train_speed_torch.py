"""PyTorch CPU training throughput, the peer of tests/train/train_bench.c.

ResNet-20/56 for CIFAR with option-A shortcuts (strided slice, channel
zero-pad), as in the shared models; images per second of forward,
cross-entropy, backward and the optimizer step (SGD, Nesterov momentum 0.9,
weight decay 5e-4, as onnx-prune's finetune), median of ROUNDS rounds of
STEPS steps after two warm-up steps, random inputs, in wall time and per
CPU-second of the process.

Usage: train_speed_torch.py resnet20|resnet56 BATCH THREADS [ROUNDS [STEPS]]
"""
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.pad = cout // 4 if stride != 1 or cin != cout else 0

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x
        if self.pad:
            s = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))
        return F.relu(y + s)


class ResNet(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers, cin = [], 16
        for cout, stride in ((16, 1), (32, 2), (64, 2)):
            for k in range(n):
                layers.append(Block(cin, cout, stride if k == 0 else 1))
                cin = cout
        self.layers = nn.Sequential(*layers)
        self.linear = nn.Linear(64, 10)

    def forward(self, x):
        x = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.linear(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def main():
    name, batch, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    steps = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = ResNet({"resnet20": 3, "resnet56": 9}[name]).train()
    x = torch.randn(batch, 3, 32, 32)
    y = torch.arange(batch) % 10

    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9,
                          nesterov=True, weight_decay=5e-4)

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(2):
        step()
    ips, cps = [], []
    for _ in range(rounds):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(steps):
            step()
        ips.append(batch * steps / (time.perf_counter() - t0))
        cps.append(batch * steps / (time.process_time() - c0))
    print(f"torch {name} batch {batch} threads {threads}: "
          f"{statistics.median(ips):.1f} img/s (median of {rounds} rounds of "
          f"{steps} steps; min {min(ips):.1f}, max {max(ips):.1f}; "
          f"{statistics.median(cps):.1f} img per CPU-second; "
          f"torch {torch.__version__})")


if __name__ == "__main__":
    main()
