#!/usr/bin/env python3
"""The comparison table of docs/physics.md from two `smartpix validate-physics --json` runs.

Usage: validation-table.py LINEAR.json TCAD.json
  LINEAR.json: smartpix validate-physics --json (the default field: linear between the implants)
  TCAD.json:   smartpix validate-physics --json --field pixelav
Each cell: this simulator (linear field) / this simulator (TCAD field) / PixelAV.
"""
import json
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    runs = []
    for path in sys.argv[1:]:
        try:
            with open(path) as f:
                runs.append(json.load(f)["conditions"])
        except (OSError, ValueError, KeyError) as e:
            sys.exit(f"{path}: not a validate-physics --json output ({e})")
    linear, tcad = runs
    if len(linear) != len(tcad):
        sys.exit("the two runs hold different numbers of conditions")
    print("| cotα, cotβ | median (ke) | MPV (ke) | x size | y size | y shift (µm) | x shift (µm) "
          "| min neighbour (e) | fraction at 0.2 / 0.6 / 1.0 / 1.4 ns |")
    print("|---|---|---|---|---|---|---|---|---|")
    for a, b in zip(linear, tcad):
        p = a.get("pixelav")
        if p is None:
            sys.exit(f"condition ({a['cot_alpha']}, {a['cot_beta']}) has no PixelAV values")

        def cell(key, fmt, scale=1):
            return " / ".join(fmt.format(r[key] * scale) for r in (a, b, p))

        def fractions(r):
            return "/".join(f"{r['charge_fraction'][k]:.2f}" for k in (0, 2, 4, 6))

        print(f"| {a['cot_alpha']:g}, {a['cot_beta']:g} | {cell('charge_median', '{:.2f}', 1e-3)} "
              f"| {cell('charge_mpv', '{:.2f}', 1e-3)} | {cell('x_size', '{:.2f}')} | {cell('y_size', '{:.2f}')} "
              f"| {cell('y_shift_um', '{:.1f}')} | {cell('x_shift_um', '{:.1f}')} | {cell('min_neighbour', '{:.0f}')} "
              f"| {fractions(a)} ; {fractions(p)} |")


if __name__ == "__main__":
    main()
