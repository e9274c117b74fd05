#!/usr/bin/env python3
"""Independent reference for the daily noise indicators (numpy only).

Reads a CSV LAeq series (first column: naive Europe/Paris local time "YYYY-MM-DD HH:MM:SS", second
column: LAeq in dB(A)) of equal-length samples, and prints as JSON, per local day and period
convention: leq, lday, levening, lnight, lden, l10, l50, l90 and the number of samples.

Textbook formulas (EU Environmental Noise Directive 2002/49/EC, Annex I):
  Leq  = 10 log10(mean(10^(Li/10)))          equal-length samples weigh the same
  Lden = 10 log10((12 10^(Ld/10) + 4 10^((Le+5)/10) + 8 10^((Ln+10)/10)) / 24)
  L10, L50, L90 = 90th, 50th, 10th percentiles (numpy's default linear interpolation)
Each sample belongs to the local clock hour and day of its timestamp. Timestamps that do not exist
in Europe/Paris (the hour skipped when summer time starts) are left out.

Usage: python3 noise_reference.py SERIES.csv[.gz]
"""

import csv
import gzip
import json
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import numpy as np

PARIS = ZoneInfo("Europe/Paris")

# (day start, evening start, night start) in local clock hours
CONVENTIONS = {"eu": (7, 19, 23), "fr": (6, 18, 22)}


def exists_in_paris(naive: datetime) -> bool:
    """False for a wall-clock time skipped by the spring-forward change (it does not round-trip)."""
    there_and_back = naive.replace(tzinfo=PARIS).astimezone(timezone.utc).astimezone(PARIS)
    return there_and_back.replace(tzinfo=None) == naive


def energy_mean(levels: np.ndarray):
    if levels.size == 0:
        return None
    return float(10 * np.log10(np.mean(np.power(10.0, levels / 10))))


def lden(ld, le, ln):
    if ld is None or le is None or ln is None:
        return None
    return float(10 * np.log10((12 * 10 ** (ld / 10) + 4 * 10 ** ((le + 5) / 10) + 8 * 10 ** ((ln + 10) / 10)) / 24))


def read_series(path: str):
    days, hours, levels = [], [], []
    skipped = 0
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f)
        next(rows)  # header
        for row in rows:
            if len(row) < 2 or not row[0].strip():
                continue
            stamp = datetime.strptime(row[0].strip(), "%Y-%m-%d %H:%M:%S")
            if not exists_in_paris(stamp):
                skipped += 1
                continue
            days.append(stamp.date().isoformat())
            hours.append(stamp.hour)
            levels.append(float(row[1]))
    return np.array(days), np.array(hours), np.array(levels, dtype=float), skipped


def indicators(path: str):
    days, hours, levels, skipped = read_series(path)
    out = []
    for day in sorted(set(days.tolist())):
        in_day = days == day
        lv, hr = levels[in_day], hours[in_day]
        common = {
            "day": day,
            "leq": energy_mean(lv),
            "l10": float(np.percentile(lv, 90)),
            "l50": float(np.percentile(lv, 50)),
            "l90": float(np.percentile(lv, 10)),
            "samples": int(lv.size),
        }
        for name, (day_start, evening_start, night_start) in CONVENTIONS.items():
            day_mask = (hr >= day_start) & (hr < evening_start)
            evening_mask = (hr >= evening_start) & (hr < night_start)
            night_mask = ~(day_mask | evening_mask)
            ld, le, ln = energy_mean(lv[day_mask]), energy_mean(lv[evening_mask]), energy_mean(lv[night_mask])
            out.append({**common, "convention": name, "lday": ld, "levening": le, "lnight": ln, "lden": lden(ld, le, ln)})
    return {"skipped": skipped, "days": out}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    json.dump(indicators(sys.argv[1]), sys.stdout)
