"""Tests of bench.py's own logic (no tool is run): python3 -m unittest discover -s bench."""

import tempfile
import unittest
from pathlib import Path

import bench


class Growth(unittest.TestCase):
    def test_time_per_page_between_sizes(self):
        rows = bench.growth([
            {"tool": "opsbook", "pages": 10000, "median_s": 4.2},
            {"tool": "opsbook", "pages": 5000, "median_s": 2.0},
            {"tool": "opsbook", "pages": 50000, "median_s": 21.0},
            {"tool": "mdbook", "pages": 1000, "median_s": 3.0},
            {"tool": "check", "pages": 1000, "median_s": None},
            {"tool": "check", "pages": 2000, "median_s": 0.1},
        ])
        self.assertEqual(rows, [
            {"tool": "opsbook", "from": 5000, "to": 10000, "pages": 2.0, "time": 2.1,
             "per_page": 1.05},
            {"tool": "opsbook", "from": 10000, "to": 50000, "pages": 5.0, "time": 5.0,
             "per_page": 1.0},
        ])

    def test_table(self):
        table = bench.growth_table([{"tool": "opsbook", "from": 5000, "to": 10000,
                                     "pages": 2.0, "time": 2.1, "per_page": 1.05}])
        self.assertIn("| opsbook | 5,000 → 10,000 | 2.00x | 2.10x | 1.05x |", table)


class Trash(unittest.TestCase):
    def test_outputs_wait_in_the_trash_until_it_is_emptied(self):
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            out = data / "out" / "opsbook-1000"
            (out / "a").mkdir(parents=True)
            (out / "a" / "index.html").write_text("x")
            bench.discard(out, data)
            bench.discard(data / "missing", data)
            self.assertFalse(out.exists())
            kept = list(bench.trash_dir(data).iterdir())
            self.assertEqual(len(kept), 1)
            self.assertTrue((kept[0] / "a" / "index.html").is_file())
            out.mkdir(parents=True)
            bench.discard(out, data)
            self.assertEqual(len(list(bench.trash_dir(data).iterdir())), 2, "names never clash")
            bench.empty_trash(data)
            self.assertFalse(bench.trash_dir(data).exists())


if __name__ == "__main__":
    unittest.main()
