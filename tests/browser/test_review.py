"""上报 → 审核 in a real browser, on a new 商洛市 store (``load-region 商洛市`` and two accounts made with the CLI, as
an administrator would before starting; ``PARKMAP_AUTH=local``), with the county's clerk and the city's reviewer each
in their own browser context:

1. 商州区's clerk signs in (forced password change), uploads a project ledger on 项目进度 (two 商州区 rows and one
   山阳县 row, rejected by row as outside the account), presses 提交上报 and sees 已提交上报; nothing is counted yet;
2. the city's reviewer sees it under 待审核 field by field (原值 → 新值), is refused a return without a comment,
   then returns it with one;
3. the clerk sees the comment (上报审核 我的上报, and under the upload form), uploads the corrected ledger, submits again;
4. the reviewer approves it (审核通过并写入): 项目进度 and 总览 count 商州区's projects with the corrected 到位资金;
   the 上报情况 board shows 商州区 已上报 and 山阳县 未上报;
5. the clerk sees 已通过.

Screenshots of every step go to ``test-artifacts/review_NN_*.png``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.browser.browsing import ARTIFACTS, ROOT, wait_idle
from tests.browser.conftest import VIEWPORT, serve
from tests.browser.test_first_month import PAGE_MS, Journey, pct
from tests.browser.test_sign_in import sign_in

pytestmark = pytest.mark.browser

D = dt.date
PASSWORD, NEW_PASSWORD = "Initial123", "Shangluo2024"
CLERK, REVIEWER = "shangzhou", "wang"
COUNTY, OTHER = "商州区", "山阳县"
TITLE = "商州区2024年1-6月招商引资项目台账"
HEADER = ("序号", "项目名称", "投资方", "县（市、区）", "合同投资（万元）", "到位资金（万元）", "项目进度", "签约时间")
#: name, investor, county, 合同投资, 到位资金, stage, signed
ROWS = (
    ("核桃深加工项目", "商洛某食品有限公司", COUNTY, 12000, 3000, "已开工", D(2024, 3, 15)),
    ("新型建材生产线项目", "陕西某建材有限公司", COUNTY, 8000, 0, "已签约", D(2024, 5, 20)),
    ("光伏支架项目", "山阳某新能源有限公司", OTHER, 6000, None, "在建", D(2024, 5, 2)),
)
#: what the reviewer finds wrong, and the corrected value
FIXED_PROJECT, WRONG_FUNDS, FIXED_FUNDS = "核桃深加工项目", 3000, 6000
COMMENT = "核桃深加工项目到位资金与财政拨付记录不符（应为6000万元），请核实后重新上报"
REFUSED = "不在本账号可填报的范围内"


def ledger_xlsx(path: Path, *, corrected: bool = False) -> Path:
    """商州区's ledger (its date: the title's 1-6月); ``corrected``: 到位资金 fixed, and without 山阳县's row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目台账"
    ws.append([TITLE])
    ws.append(["填报单位：商州区招商服务中心", None, None, None, None, None, "填报时间：2024年7月2日"])
    ws.append(list(HEADER))
    rows = [r for r in ROWS if r[2] == COUNTY] if corrected else ROWS
    for i, (name, investor, county, investment, funds, stage, signed) in enumerate(rows, start=1):
        if corrected and name == FIXED_PROJECT:
            funds = FIXED_FUNDS
        ws.append([i, name, investor, county, investment, funds, stage, signed])
        ws.cell(ws.max_row, len(HEADER)).number_format = "yyyy-mm-dd"
    wb.save(path)
    return path


def cli(db: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([sys.executable, "cli.py", *args, "--db", str(db)], cwd=ROOT, input=stdin, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def city_db(tmp_path) -> Path:
    """商洛市's boundaries, a 市级 account and a 县级填报 account for 商州区 (with the CLI, before the server starts)."""
    db = tmp_path / "shangluo.duckdb"
    cli(db, "load-region", "商洛市")
    cli(db, "user", "add", REVIEWER, "--role", "city", "--password-stdin", stdin=PASSWORD + "\n")
    cli(db, "user", "add", CLERK, "--role", "county", "--county", COUNTY, "--password-stdin", stdin=PASSWORD + "\n")
    return db


class Desk(Journey):
    """One user's browser tab: signs in once and then moves by the sidebar links (the sign-in lives in the session,
    which a reload would end); screenshots named ``review_NN_<who>_<what>.png``."""

    shots_taken: list[Path] = []

    def __init__(self, tab, base: str, who: str):
        super().__init__(tab, base)
        self.who = who

    def first_sign_in(self, name: str) -> None:
        """Sign in with the administrator's password and set a new one (forced); the overview follows."""
        tab = self.tab
        tab.goto(self.base + "/")
        tab.get_by_role("heading", name="登录").wait_for(timeout=PAGE_MS)
        sign_in(tab, name, PASSWORD)
        tab.get_by_role("heading", name="修改密码").first.wait_for(timeout=PAGE_MS)
        tab.get_by_label("原密码", exact=True).fill(PASSWORD)
        tab.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
        tab.get_by_label("再次输入新密码", exact=True).fill(NEW_PASSWORD)
        tab.get_by_role("button", name="修改密码").click()
        tab.locator("h1").filter(has_text="总览").first.wait_for(timeout=PAGE_MS)
        wait_idle(tab)
        self.healthy(f"{name} signed in")

    def go(self, page: str) -> None:
        """Open ``page`` by its sidebar link and wait for its run to end."""
        wait_idle(self.tab)
        # a DOM click on the link itself: the sidebar may still shift (a message of the last run going away), and a
        # click at the link's coordinates then opens the page below it
        self.tab.locator("[data-testid=stSidebar]").get_by_role("link", name=page, exact=True).dispatch_event("click")
        self.tab.locator("h1").filter(has_text=page).first.wait_for(timeout=PAGE_MS)
        wait_idle(self.tab)
        self.healthy(page)

    def tab_named(self, name: str) -> None:
        self.tab.get_by_role("tab", name=name, exact=True).click()
        wait_idle(self.tab)

    def shot(self, name: str, at=None) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"review_{len(Desk.shots_taken) + 1:02d}_{self.who}_{name}.png"
        with contextlib.suppress(Exception):
            (at or self.tab.locator("h1")).first.evaluate("e => e.scrollIntoView({block: 'start'})", timeout=5_000)
        self.tab.wait_for_timeout(400)
        self.tab.screenshot(path=str(path), full_page=True)
        Desk.shots_taken.append(path)

    def submit(self) -> str:
        """Press 提交上报 on the pending project preview: the submission's id from 「已提交上报 S…」."""
        button = self.tab.locator(".st-key-upload-preview-projects-ok button")
        assert button.inner_text().strip() == "提交上报", button.inner_text()
        button.click()
        done = self.alert("已提交上报")
        wait_idle(self.tab)
        self.healthy("submission")
        found = re.search(r"已提交上报 (S\d+)", done)
        assert found, done
        return found[1]

    def table(self, *parts: str) -> list[dict[str, str]]:
        """The rows (header → cell text) of the first data grid showing every one of ``parts``."""
        self.wait_grid(*parts)
        return self.tab.evaluate("""(parts) => {
            const grid = [...document.querySelectorAll('[data-testid=stDataFrame]')]
                .find(d => parts.every(p => d.textContent.includes(p)));
            const rows = [...grid.querySelectorAll('tr')].map(r => [...r.querySelectorAll('th, td')].map(c => c.textContent.trim()));
            const [header, ...body] = rows;
            return body.map(r => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
        }""", list(parts))

    def texts(self, selector: str) -> list[str]:
        return [e.inner_text().strip() for e in self.tab.locator(selector).all()]


def test_a_county_submission_is_returned_corrected_and_approved(city_db, tab, chromium, tmp_path):
    files = {"first": ledger_xlsx(tmp_path / "商州区2024年6月项目台账.xlsx"),
             "fixed": ledger_xlsx(tmp_path / "商州区2024年6月项目台账（修改）.xlsx", corrected=True)}
    Desk.shots_taken = []
    city_context = chromium.new_context(viewport=VIEWPORT, locale="zh-CN")
    city_tab = city_context.new_page()
    city_tab.set_default_timeout(30_000)
    log = tmp_path / "streamlit.log"
    try:
        with serve(city_db, log, {"PARKMAP_AUTH": "local"}) as base:
            clerk, reviewer = Desk(tab, base, "county"), Desk(city_tab, base, "city")

            # 1. The county's clerk signs in, uploads the ledger on 项目进度 and submits it.
            clerk.first_sign_in(CLERK)
            assert f"{CLERK}（县级填报）" in tab.locator("[data-testid=stSidebar]").inner_text()
            clerk.go("项目进度")
            clerk.alert("尚未导入项目台账")
            assert clerk.metric("新签约项目数") == "0"
            got = clerk.preview("projects", "选择项目台账", files["first"])
            assert "将新增 2 条" in got["info"] and "拒收 1 行" in got["info"], got["info"]
            rejected = clerk.wait_grid("行号", "原因", REFUSED)
            assert f"{REFUSED}（{OTHER}）" in rejected, rejected
            clerk.changes("项目台账", ROWS[0][0], ROWS[1][0])
            clerk.shot("preview", at=tab.locator("[data-testid=stAlert]").filter(has_text="预览（尚未写入）"))
            first = clerk.submit()
            assert first == "S000001", first
            assert "待市级审核" in clerk.alert("已提交上报")
            mine = clerk.wait_grid("编号", "状态", first, "待审核")
            assert "项目台账" in mine or files["first"].name in mine, mine
            clerk.shot("submitted", at=tab.locator("[data-testid=stAlert]").filter(has_text="已提交上报"))
            # nothing is counted before the city approves it
            clerk.alert("尚未导入项目台账")
            assert clerk.metric("新签约项目数") == "0"
            clerk.go("总览")
            assert clerk.metric("新签约项目数") == "0"

            # 2. The city's reviewer: 待审核, field by field; a return needs a comment.
            reviewer.first_sign_in(REVIEWER)
            assert reviewer.metric("新签约项目数") == "0"
            reviewer.go("上报审核")
            assert reviewer.texts("[role=tab]") == ["待审核", "上报情况", "全部上报"]
            listed = reviewer.wait_grid("编号", "提交人", first, CLERK)
            assert "待审核" in listed, listed
            fields = reviewer.wait_grid("字段", "原值", "新值", ROWS[0][0], ROWS[1][0], "到位资金")
            assert re.search(rf"新增\d*{ROWS[0][0]}到位资金（空）{WRONG_FUNDS}", fields), fields
            refused = reviewer.wait_grid("行号", "原因", REFUSED)
            assert OTHER in refused, refused
            assert reviewer.tab.get_by_role("button", name="下载上报的原始文件").count() == 1
            reviewer.shot("pending")
            reviewer.tab.get_by_role("button", name="退回修改").click()
            wait_idle(city_tab)
            refusal = reviewer.alert("退回上报须填写退回意见")
            assert "说明需要如何修改" in refusal, refusal
            reviewer.shot("return_refused", at=city_tab.locator("[data-testid=stAlert]").filter(has_text="退回意见"))
            reviewer.tab.get_by_role("textbox", name="审核意见").fill(COMMENT)
            reviewer.tab.get_by_role("button", name="退回修改").click()
            reviewer.alert(f"上报 {first} 已退回")
            reviewer.alert("没有待审核的上报")
            reviewer.shot("returned")

            # 3. The clerk sees the comment, uploads the corrected ledger, submits again.
            clerk.go("上报审核")
            assert clerk.texts("[role=tab]") == ["我的上报", "上报情况"]
            returned = clerk.alert(f"上报 {first}（")
            assert "已被退回" in returned and COMMENT in returned, returned
            mine = clerk.wait_grid("编号", first, "已退回", COMMENT)
            clerk.shot("returned_mine")
            clerk.go("项目进度")
            note = clerk.alert(f"上报 {first}（")
            assert "已被退回" in note and COMMENT in note, note
            clerk.wait_grid("编号", "状态", "审核意见", first, "已退回")
            clerk.shot("returned_under_form", at=tab.locator("[data-testid=stAlert]").filter(has_text="已被退回"))
            got = clerk.preview("projects", "选择项目台账", files["fixed"])
            assert "将新增 2 条" in got["info"] and "拒收 0 行" in got["info"], got["info"]
            second = clerk.submit()
            assert second == "S000002", second
            clerk.wait_grid("编号", second, "待审核")

            # 4. The reviewer approves the corrected one; the figures count it.
            reviewer.go("总览")
            assert reviewer.metric("新签约项目数") == "0"
            reviewer.go("上报审核")
            reviewer.wait_grid("编号", second, "待审核")
            fields = reviewer.wait_grid("字段", "原值", "新值", FIXED_PROJECT, "到位资金")
            assert re.search(rf"{FIXED_PROJECT}到位资金（空）{FIXED_FUNDS}", fields), fields
            assert OTHER not in fields
            reviewer.shot("pending_corrected")
            reviewer.tab.get_by_role("button", name="审核通过并写入").click()
            reviewer.alert(f"上报 {second} 已审核通过并写入数据")
            reviewer.shot("approved")
            reviewer.go("项目进度")
            signed = sum(1 for r in ROWS if r[2] == COUNTY)
            investment = sum(r[3] for r in ROWS if r[2] == COUNTY)
            funds = sum(FIXED_FUNDS if r[0] == FIXED_PROJECT else r[4] for r in ROWS if r[2] == COUNTY)
            assert reviewer.metric("新签约项目数") == str(signed)
            assert reviewer.metric("资金到位率") == pct(funds / investment)  # the corrected 到位资金, not the first
            assert reviewer.metric("开工率") == pct(1 / signed)
            reviewer.shot("progress_after")
            reviewer.go("总览")
            assert reviewer.metric("新签约项目数") == str(signed)
            assert reviewer.metric("签约金额（亿元）") == f"{investment / 10_000:.1f}"
            reviewer.shot("overview_after")
            reviewer.go("上报审核")
            reviewer.tab_named("上报情况")
            board = {r["单位"]: r for r in reviewer.table("单位", "上报状态", COUNTY)}
            reviewer.shot("board")
            assert board[COUNTY]["上报状态"].endswith("已上报"), board  # was 未上报: the submissions named no unit
            assert board[COUNTY]["本月上报次数"] == "2" and board[COUNTY]["距今（天）"] == "0", board
            # 山阳县 (no unit yet) is not on the board at all: test_the_board_lists_a_county_that_has_not_reported
            assert reviewer.metric("已上报") == "1 个单位"

            # 5. The clerk sees 已通过, and the county's own figures.
            clerk.go("上报审核")
            mine = clerk.wait_grid("编号", second, "已通过")
            assert re.search(rf"{first}.*已退回", mine), mine
            clerk.shot("approved_mine")
            clerk.go("项目进度")
            assert clerk.metric("新签约项目数") == str(signed)

            assert not clerk.errors and not reviewer.errors, f"pages showed errors: {clerk.errors + reviewer.errors}"
        text = log.read_text(encoding="utf-8", errors="replace")
        assert "Traceback" not in text and "页面错误" not in text, text[-3000:]
    except BaseException:
        ARTIFACTS.mkdir(exist_ok=True)
        for who, page in (("county", tab), ("city", city_tab)):
            with contextlib.suppress(Exception):
                page.screenshot(path=str(ARTIFACTS / f"review_FAILED_{who}.png"), full_page=True)
        raise
    finally:
        city_context.close()


def test_the_board_lists_a_county_that_has_not_reported(city_db, tab, tmp_path):
    """商州区's ledger submitted and approved on the command line; the city's board for 2024-06 shows every county of
    the city, 商州区 已上报 and 山阳县 (nothing submitted) 未上报."""
    ledger = ledger_xlsx(tmp_path / "商州区2024年6月项目台账.xlsx", corrected=True)
    made = json.loads(cli(city_db, "import", "projects", str(ledger), "--as", CLERK, "--json"))
    cli(city_db, "review", "approve", made["submission"], "--as", REVIEWER)
    with serve(city_db, tmp_path / "board.log", {"PARKMAP_AUTH": "local"}) as base:
        reviewer = Desk(tab, base, "city")
        reviewer.first_sign_in(REVIEWER)
        reviewer.go("上报审核")
        reviewer.tab_named("上报情况")
        board = {r["单位"]: r["上报状态"] for r in reviewer.table("单位", "上报状态", COUNTY)}
        assert board[COUNTY].endswith("已上报"), board
        assert board.get(OTHER, "").endswith("未上报"), board
