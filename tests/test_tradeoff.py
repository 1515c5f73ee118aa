"""`bdcompile tradeoff`: the matched comparisons against the static front, and the CLI end to end."""

from __future__ import annotations

import json
import math

import pytest

from bdcompile.tradeoff import matched, static_front


def _row(name, family, reuse, q, theo=None):
    return dict(strategy=name, family=family, reuse=reuse, psnr_db=q, theoretical=theo or 1 / (1 - 0.75 * reuse))


def test_static_front_keeps_only_undominated_points_and_matching_interpolates_it():
    rows = [
        _row("uncached", "reference", 0.0, math.inf),
        _row("N=2", "static", 0.25, 28.0),
        _row("N=3", "static", 0.35, 23.0),
        _row("N=2 late", "static", 0.20, 27.0),  # dominated by N=2 (more reuse, better quality)
        _row("N=4", "static", 0.45, 20.0),
        _row("ada", "ada", 0.30, 27.0),
        _row("fc", "forecast-1", 0.50, 25.0),
    ]
    assert static_front(rows, "psnr_db") == [(0.25, 28.0), (0.35, 23.0), (0.45, 20.0)]
    m = {e["strategy"]: e for e in matched(rows, "psnr_db")}
    assert m["ada"]["static_quality_at_same_reuse"] == pytest.approx(25.5)  # halfway between N=2 and N=3
    assert m["ada"]["static_reuse_at_same_quality"] == pytest.approx(0.27)  # 27 dB is 1/5 of the way from 28 to 23
    assert m["ada"]["static_theoretical_at_same_quality"] == pytest.approx(1 / (1 - 0.75 * 0.27), rel=1e-2)
    assert math.isnan(m["fc"]["static_quality_at_same_reuse"])  # beyond the static points: no extrapolation
    assert m["fc"]["static_reuse_at_same_quality"] == pytest.approx(0.31)


def test_tradeoff_cli_counts_reuse_from_the_dispatch_log(tmp_path):
    from bdcompile.cli import main

    out = tmp_path / "t"
    assert (
        main(
            [
                "tradeoff",
                "--model",
                "digits",
                "--samples",
                "2",
                "--intervals",
                "3",
                "--orders",
                "1",
                "--warmups",
                "--stops",
                "0.95",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    rows = {r["strategy"]: r for r in json.loads((tmp_path / "t.json").read_text())["rows"]}
    # 20 steps, window [8, 19): N=3 reuses at 9, 10, 12, 13, 15, 16, 18 -> 7 of 20 steps
    assert rows["static N=3"]["reuse"] == pytest.approx(7 / 20)
    assert rows["static N=3"]["plan"] == "FFFFFFFFFrrFrrFrrFrF"
    assert rows["forecast-1 N=3"]["plan"] == "FFFFFFFFFffFffFffFfF"
    assert rows["uncached"]["ssim"] == pytest.approx(1.0)
    assert 0.5 < rows["static N=3"]["ssim"] < 0.9999  # reuse changes the digits, a little
    assert any(r.startswith("ada") for r in rows)  # the committed policy is on the curve
    assert (tmp_path / "t.png").stat().st_size > 10_000
