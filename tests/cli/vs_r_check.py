"""tests/cli/vs_r_check.py — the comparisons the Python *_vs_r tests share: hkstat's printed value against R's golden
value, each failure collected (not raised), so that a run lists every difference."""


class Checks:
    def __init__(self):
        self.failures = []

    def near(self, what, got, want):
        """Relative 1e-9, or absolute 1e-12 where R's value is below 1e-12."""
        try:
            g = float(got)
        except ValueError:
            self.failures.append(f"{what}: hkstat {got!r}, R {want}")
            return
        w = float(want)
        ok = abs(g - w) <= 1e-12 if abs(w) < 1e-12 else abs(g - w) <= 1e-9 * abs(w)
        if not ok:
            self.failures.append(f"{what}: hkstat {g!r}, R {w!r}")

    def exact(self, what, got, want):
        """Exactly (degrees of freedom)."""
        try:
            same = float(got) == float(want)
        except ValueError:
            same = False
        if not same:
            self.failures.append(f"{what}: df hkstat {got!r}, R {want}")
