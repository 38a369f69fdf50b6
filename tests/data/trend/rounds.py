"""Shared by make_c2014.py and make_nishitokyo_rounds.py: a synthetic earlier round (架空) drawn from the rows of a
later survey, deterministically (a fixed linear congruential generator, no library random numbers, so that every
Python gives the same file)."""
import csv


def lcg(seed):
    x = seed
    while True:
        x = (1103515245 * x + 12345) % 2**31
        yield x


def read_rows(path, encoding="utf-8"):
    """(header, body rows) of a CSV file."""
    with path.open(encoding=encoding, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def draw(body, n, rnd, new_id, change):
    """n rows drawn with replacement from body by the generator rnd; each a copy with id new_id(i) (i from 0) in the
    first column, then change(row) (which may draw from rnd too)."""
    out = []
    for i in range(n):
        row = list(body[next(rnd) % len(body)])
        row[0] = new_id(i)
        change(row)
        out.append(row)
    return out


def write_rows(path, header, rows):
    """UTF-8 without BOM, LF line ends."""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
