import re
from tests.conftest import WORLD, visible_text
def test_probe(app, as_role):
    off = as_role("t_officer_a")
    data = {"school": WORLD.school_a, "year": "2031", "operating_income": "2000000", "extracted": "40000", "ledger_reference": "x1"}
    r = off.post("/schoolfundview/add", data=data)
    print("ONE", r.status_code, r.headers.get("Location"), re.findall(r'help-block">([^<]+)', r.get_data(as_text=True))[:5])
    data["operating_income"]="1"; data["extracted"]="0"
    r = off.post("/schoolfundview/add", data=data, follow_redirects=True)
    t = visible_text(r)
    for k in ("已有相同", "冲突"):
        i = t.find(k); print("TWO", k, t[max(0,i-50):i+100] if i>=0 else None)
