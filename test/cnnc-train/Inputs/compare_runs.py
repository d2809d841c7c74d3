"""Compares the outputs of two cnnc-train runs within stated tolerances.

  compare_runs.py history A.csv B.csv LOSS_RTOL ACCURACY_ATOL
      every epoch's loss within LOSS_RTOL (relative) and accuracy within
      ACCURACY_ATOL (absolute) of the other run's, and the validation loss
      and accuracy alike when both runs validated
  compare_runs.py weights A.bin B.bin ATOL
      raw float32 parameter files (--save-weights): same size, every value
      within ATOL of the other's
  compare_runs.py state-average RANKS.bin FIRST.bin SECOND.bin N MOMENTUM
      the last 2 N floats of RANKS.bin (a BatchNorm's moving mean, then
      moving variance, initialized to 0 and 1) after one step of two ranks
      equal the mean of the moving averages of the two shards: FIRST.bin
      holds them after one step of one process on shard 1, SECOND.bin after
      a second step on shard 2, with a learning rate too small to change the
      weights (1e-5 absolute)
  compare_runs.py hashes STDERR RANKS EPOCHS
      the "cnnc-train: rank R: epoch E: parameters H" lines of a run with
      CNNC_TRAIN_TRACE_HASH=1: every rank printed every epoch, one hash per
      epoch

Prints what it compared (the largest difference) and exits 1 on a failure.
Standard library only (the test machines have no NumPy).
"""

import array
import csv
import re
import sys


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def history(a_path, b_path, loss_rtol, accuracy_atol):
    rows = [list(csv.DictReader(open(p))) for p in (a_path, b_path)]
    if len(rows[0]) != len(rows[1]) or not rows[0]:
        fail("%d and %d epochs" % (len(rows[0]), len(rows[1])))
    # The validation columns too when both runs validated.
    prefixes = [""]
    if all(r[0].get("val_loss") for r in rows):
        prefixes.append("val_")
    worst_loss = worst_accuracy = 0.0
    for a, b in zip(*rows):
        for prefix in prefixes:
            loss, accuracy = prefix + "loss", prefix + "accuracy"
            la, lb = float(a[loss]), float(b[loss])
            da = abs(float(a[accuracy]) - float(b[accuracy]))
            worst_loss = max(worst_loss, abs(la - lb) / abs(la))
            worst_accuracy = max(worst_accuracy, da)
            if abs(la - lb) > loss_rtol * abs(la) or da > accuracy_atol:
                fail("epoch %s: %s %s vs %s, %s %s vs %s" %
                     (a["epoch"], loss, a[loss], b[loss], accuracy,
                      a[accuracy], b[accuracy]))
    print("history: %d epochs%s, loss within %.2g relative, accuracy within "
          "%.2g" % (len(rows[0]), " with validation" if len(prefixes) > 1
                    else "", worst_loss, worst_accuracy))


def weights(a_path, b_path, atol):
    values = []
    for path in (a_path, b_path):
        floats = array.array("f")
        floats.frombytes(open(path, "rb").read())
        values.append(floats)
    if len(values[0]) != len(values[1]):
        fail("%d and %d floats" % (len(values[0]), len(values[1])))
    worst = max(abs(x - y) for x, y in zip(*values))
    if not worst <= atol:
        fail("parameters differ by up to %.3g (tolerance %g)" % (worst, atol))
    print("weights: %d floats within %.2g" % (len(values[0]), worst))


def floats(path):
    values = array.array("f")
    values.frombytes(open(path, "rb").read())
    return values


def state_average(ranks_path, first_path, second_path, count, momentum):
    ranks, first, second = (floats(p)[-2 * count:]
                            for p in (ranks_path, first_path, second_path))
    worst = 0.0
    for i in range(2 * count):
        initial = 0.0 if i < count else 1.0
        # (1 - m) stat of each shard, from the sequential one-process steps
        shard1 = first[i] - momentum * initial
        shard2 = second[i] - momentum * first[i]
        expected = momentum * initial + (shard1 + shard2) / 2
        worst = max(worst, abs(ranks[i] - expected))
        if abs(ranks[i] - expected) > 1e-5:
            fail("state %d: %.8g, expected the shards' mean %.8g" %
                 (i, ranks[i], expected))
    print("state: %d moving statistics are the shards' mean within %.2g" %
          (2 * count, worst))


def hashes(path, ranks, epochs):
    seen = {}
    pattern = re.compile(r"cnnc-train: rank (\d+): epoch (\d+): parameters "
                         r"([0-9a-f]{16})")
    for line in open(path):
        match = pattern.search(line)
        if match:
            rank, epoch, value = match.groups()
            seen.setdefault(int(epoch), {})[int(rank)] = value
    for epoch in range(1, epochs + 1):
        by_rank = seen.get(epoch, {})
        if sorted(by_rank) != list(range(ranks)):
            fail("epoch %d: hashes of ranks %s" % (epoch, sorted(by_rank)))
        if len(set(by_rank.values())) != 1:
            fail("epoch %d: the ranks' parameters differ: %s" %
                 (epoch, by_rank))
    print("hashes: %d ranks agree after each of %d epochs" % (ranks, epochs))


if __name__ == "__main__":
    kind, args = sys.argv[1], sys.argv[2:]
    if kind == "history":
        history(args[0], args[1], float(args[2]), float(args[3]))
    elif kind == "weights":
        weights(args[0], args[1], float(args[2]))
    elif kind == "state-average":
        state_average(args[0], args[1], args[2], int(args[3]), float(args[4]))
    elif kind == "hashes":
        hashes(args[0], int(args[1]), int(args[2]))
    else:
        fail("unknown comparison " + kind)
