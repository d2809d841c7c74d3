"""The scaling model of docs/distributed.md, from bench/distributed.sh's figures.

A step of N data-parallel ranks takes the compute of one rank's shard plus
one sum of the gradient (cnnc-train sums after the backward pass, without
overlap):

    T(N) = T_c(B / N) + T_sum(N)
    T_sum(N) = 2 (N - 1) / N * S / BW + 2 (N - 1) * alpha      (ring allreduce)

S is the summed buffer (the reference CNN: 373,304 bytes), BW the link's
bandwidth per direction, alpha the latency of one message. Strong scaling
keeps the global batch B (images/s = B / T(N)); weak scaling keeps the
per-rank batch b (B = b N). T_c comes from the measured step times of one
rank at batches 32, 16, 8, 4 (interpolated per image below 4: a rank with
fewer images runs no faster than at the smallest measured batch per image).

    python3 bench/distributed_scaling.py STEP32 STEP16 STEP8 STEP4 [SUM_US]

Step times in milliseconds (one rank of the machine kind the cluster has),
SUM_US the measured 2-rank sum on this machine (printed for reference).
Prints Markdown tables.
"""

import sys

BYTES = 373304
NETWORKS = [
    # name, bytes/s per direction, latency per message (s)
    ("10 Gb/s Ethernet (TCP)", 10e9 / 8 * 0.93, 25e-6),
    ("100 Gb/s (RDMA: InfiniBand, RoCE)", 100e9 / 8 * 0.9, 3e-6),
]
RANKS = [1, 2, 4, 8, 16, 32, 64, 128]


def compute_ms(steps, batch):
    """One rank's step time at `batch` images (ms), from the measurements."""
    if batch in steps:
        return steps[batch]
    if batch > 32:
        return steps[32] * batch / 32.0
    if batch < 4:  # per-image cost of batch 4, at least a quarter of it
        return steps[4] * max(batch, 1) / 4.0
    lower = max(b for b in steps if b < batch)
    upper = min(b for b in steps if b > batch)
    t = (batch - lower) / float(upper - lower)
    return steps[lower] + t * (steps[upper] - steps[lower])


def sum_ms(ranks, bandwidth, latency):
    if ranks == 1:
        return 0.0
    return 1e3 * (2.0 * (ranks - 1) / ranks * BYTES / bandwidth +
                  2.0 * (ranks - 1) * latency)


def table(steps, title, per_rank):
    print("\n%s\n" % title)
    print("| ranks | per-rank batch | compute ms | " +
          " | ".join("sum ms, %s | images/s, efficiency" % n.split(" (")[0]
                     for n, _, _ in NETWORKS) + " |")
    print("|---:|---:|---:|" + "---:|---:|" * len(NETWORKS))
    for ranks in RANKS:
        batch = per_rank(ranks)
        if batch < 1:
            break
        compute = compute_ms(steps, batch)
        cells = []
        for _, bandwidth, latency in NETWORKS:
            communicate = sum_ms(ranks, bandwidth, latency)
            step = compute + communicate
            rate = batch * ranks / (step / 1e3)
            single = 32 / (compute_ms(steps, 32) / 1e3)
            cells.append("%.2f | %.0f, %.0f%%" %
                         (communicate, rate,
                          100.0 * rate / (single * ranks)))
        print("| %d | %g | %.2f | %s |" % (ranks, batch, compute,
                                            " | ".join(cells)))


def main():
    if len(sys.argv) < 5:
        print(__doc__)
        sys.exit(1)
    steps = {b: float(v) for b, v in zip((32, 16, 8, 4), sys.argv[1:5])}
    if len(sys.argv) > 5:
        print("measured 2-rank sum on this machine: %s us" % sys.argv[5])
    for name, bandwidth, latency in NETWORKS:
        print("%s: %.2f ms for the sum at N = 2, %.2f ms at N = 64" %
              (name, sum_ms(2, bandwidth, latency),
               sum_ms(64, bandwidth, latency)))
    table(steps, "Weak scaling: 32 images per rank (global batch 32 N)",
          lambda n: 32)
    table(steps, "Strong scaling: global batch 32", lambda n: 32.0 / n)
    table(steps, "Strong scaling: global batch 256", lambda n: 256.0 / n)


if __name__ == "__main__":
    main()
