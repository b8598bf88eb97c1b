"""layers.targets writes: changed targets upserted and emptied ones deleted in one audited transaction."""

from __future__ import annotations

import pandas as pd

from layers import targets


def test_save_upserts_and_deletes(con):
    targets.insert(con, pd.DataFrame([{"target_id": targets.target_id(2024, "U1", "signed_projects"), "year": 2024,
                                       "unit_id": "U1", "indicator": "signed_projects", "target_value": 30.0},
                                      {"target_id": targets.target_id(2024, "U2", "signed_projects"), "year": 2024,
                                       "unit_id": "U2", "indicator": "signed_projects", "target_value": 20.0}]), user="测试")
    writes = pd.DataFrame([{"year": 2024, "unit_id": "U1", "indicator": "signed_projects", "target_value": 35.0},
                           {"year": 2024, "unit_id": "U1", "indicator": "funds_in_place_yi", "target_value": 12.5}])
    assert targets.save(con, writes, ["2024|U2|signed_projects"], user="网页") == 3
    stored = targets.load(con, year=2024).set_index(["unit_id", "indicator"])["target_value"].to_dict()
    assert stored == {("U1", "signed_projects"): 35.0, ("U1", "funds_in_place_yi"): 12.5}
    actions = con.execute("SELECT action, count(*) FROM audit_log WHERE table_name = 'targets' AND user_name = '网页' "
                          "GROUP BY action ORDER BY action").fetchall()
    assert dict(actions) == {"delete": 1, "insert": 1, "update": 1}  # one audit row per target
