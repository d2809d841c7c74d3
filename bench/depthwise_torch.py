"""The block of bench/mobilenet_block.mlir in PyTorch eager, measured like
bench/model_bench.c: batch-32 forward (median of 15 calls) and Adam training
steps at batch 32 (median of 9 windows of 5 steps), in both memory formats
(PyTorch's CPU depthwise kernels differ between them): torch_nhwc_* with
channels_last (cnnc's layout), torch_nchw_* contiguous.

  python bench/depthwise_torch.py THREADS
"""

import statistics
import sys
import time

import torch


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.depthwise = torch.nn.Conv2d(32, 32, 3, padding=1, groups=32)
        self.pointwise = torch.nn.Conv2d(32, 64, 1)
        self.dense = torch.nn.Linear(64, 10)

    def forward(self, x):
        x = torch.relu(self.pointwise(torch.relu(self.depthwise(x))))
        return self.dense(x.mean((2, 3)))


def median_seconds(run, repeats, per_window=1):
    run()
    windows = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(per_window):
            run()
        windows.append((time.perf_counter() - t0) / per_window)
    return statistics.median(windows)


def measure(prefix, memory_format):
    model = Block().to(memory_format=memory_format)
    images = torch.rand(32, 32, 32, 32).to(memory_format=memory_format)
    labels = torch.arange(32) % 10
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def forward():
        with torch.no_grad():
            model(images)

    def train_step():
        optimizer.zero_grad()
        loss_fn(model(images), labels).backward()
        optimizer.step()

    print(f"{prefix}batch32_images_per_s: "
          f"{32 / median_seconds(forward, 15):.0f}")
    print(f"{prefix}train_batch32_images_per_s: "
          f"{32 / median_seconds(train_step, 9, 5):.0f}")


def main():
    torch.set_num_threads(int(sys.argv[1]))
    measure("torch_nhwc_", torch.channels_last)
    measure("torch_nchw_", torch.contiguous_format)


if __name__ == "__main__":
    main()
