"""Writes a tiny synthetic CIFAR-10 binary data set for the cnnc-train tests.

usage: make_cifar10.py DIR RECORDS_PER_FILE

Creates DIR/data_batch_1.bin .. data_batch_5.bin and DIR/test_batch.bin in
the CIFAR-10 binary layout: records of one label byte (0..9) followed by
3072 pixel bytes (1024 red, 1024 green, 1024 blue). Image i has label
i % 10 and a brightness that depends on the label, so it can be learned.
"""

import os
import sys


def write_batch(path, records, offset):
    with open(path, "wb") as out:
        for i in range(records):
            label = (offset + i) % 10
            pixel = (25 * label + 7 * (i % 3)) % 256
            out.write(bytes([label]) + bytes([pixel]) * 3072)


def main():
    directory, records = sys.argv[1], int(sys.argv[2])
    os.makedirs(directory, exist_ok=True)
    for n in range(1, 6):
        write_batch(os.path.join(directory, "data_batch_%d.bin" % n), records,
                    n * records)
    write_batch(os.path.join(directory, "test_batch.bin"), records, 0)


if __name__ == "__main__":
    main()
