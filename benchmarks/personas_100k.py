"""Personas at scale and on real data.

1. Profile + cluster 100,000 customers whose histories are resampled from UCI Online Retail
   (each synthetic customer copies one real customer's orders), timed in a fresh subprocess so
   its peak memory is its own. Target: at most 60 s on 2 cores.
2. Personas on MovieLens 100k (demographics + genres) and Amazon Musical Instruments (reviews):
   number chosen, silhouette, names. Prints JSON.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
CUSTOMERS = 100_000

TIMED = """
import sys, time, json
sys.path.insert(0, sys.argv[2])
from pathlib import Path
from core.workspace import open_workspace
from core.personas.profile import build_profiles
from core.personas.segment import PersonaModel
ws = open_workspace(Path(sys.argv[1]))
t = time.perf_counter(); profiles = build_profiles(ws); t_profile = time.perf_counter() - t
t = time.perf_counter(); model = PersonaModel().fit(profiles); t_cluster = time.perf_counter() - t
print(json.dumps({"customers": len(profiles.table), "profile_s": round(t_profile, 2), "cluster_s": round(t_cluster, 2),
                  "personas": int(len(set(model.labels_.tolist()))), "silhouette": round(model.silhouette_, 3)}))
"""


def _scaled_workspace(folder: Path) -> tuple[Path, int]:
    from core.ingest.pipeline import ingest
    from core.workspace import create_workspace

    ws = create_workspace(folder / "retail")
    ingest(ws, [DATA / "uci-online-retail" / "online_retail.csv.gz"])
    with ws.transaction() as con:
        con.execute(f"""
            CREATE TEMP TABLE real AS SELECT customer_id, row_number() OVER (ORDER BY customer_id) - 1 AS idx
            FROM (SELECT DISTINCT customer_id FROM interactions);
            CREATE TEMP TABLE picks AS SELECT range AS n,
                CAST(hash(range) % (SELECT count(*) FROM real) AS BIGINT) AS idx FROM range({CUSTOMERS});
            CREATE TEMP TABLE scaled AS
                SELECT i.order_id || '-' || p.n AS order_id, 'S' || p.n AS customer_id, i.product_id, i.timestamp,
                       i.quantity, i.unit_price, i.rating, i.event_type
                FROM picks p JOIN real r USING (idx) JOIN interactions i USING (customer_id);
            INSERT INTO customers (customer_id, location)
                SELECT 'S' || p.n, c.location FROM picks p JOIN real r USING (idx)
                LEFT JOIN customers c USING (customer_id);
            DELETE FROM interactions;
            INSERT INTO interactions SELECT * FROM scaled;
            DELETE FROM customers WHERE customer_id NOT LIKE 'S%';
        """)
    return ws.path, int(ws.row_counts()["interactions"])


def _personas_on(files: list[Path], folder: Path) -> dict[str, object]:
    from core.ingest.pipeline import ingest
    from core.personas import service
    from core.workspace import create_workspace

    ws = create_workspace(folder)
    ingest(ws, files)
    run = service.train_personas(ws)
    return {
        "customers": sum(run.sizes.values()),
        "personas": run.n_personas,
        "silhouette": round(run.silhouette, 3),
        "seconds": run.seconds,
        "names": [c.name for c in service.load_views(ws).cards],
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        path, lines = _scaled_workspace(Path(tmp))
        prep_s = time.perf_counter() - t
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", TIMED, str(path), str(ROOT)], capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(out.stderr[-3000:])
        total = time.perf_counter() - t
        peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
        scale = json.loads(out.stdout) | {
            "order_lines": lines,
            "total_s_incl_start": round(total, 2),
            "peak_mb": round(peak, 1),
            "target_s": 60,
            "data_prep_s": round(prep_s, 1),
        }
        ml = DATA / "movielens-100k"
        real = {
            "movielens_100k": _personas_on([ml / "u.item", ml / "u.user", ml / "u.data"], Path(tmp) / "ml"),
            "amazon_musical_instruments": _personas_on(
                [DATA / "amazon-musical-instruments" / "reviews_Musical_Instruments_5.json.gz"], Path(tmp) / "mi"
            ),
        }
    print(json.dumps({"benchmark": "personas_100k", "scale": scale, "real_data": real}, indent=1))


if __name__ == "__main__":
    main()
