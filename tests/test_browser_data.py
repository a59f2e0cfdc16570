"""A planner uploads a messy yearbook-style file through the wizard, reads the report, saves it,
and sees the indicator on the map — in the real app, with nothing leaving the app's host."""
import pytest
from playwright.sync_api import expect

from tests.conftest import start_app, stop_app, wait_for_app

pytestmark = pytest.mark.browser

# GB18030, an NBS-export header, full-width digits, a footnote mark, thousands separators,
# a gap marker, a summary row (全国), a markup-looking region name and a footer.
MESSY = "\n".join([
    "数据库：分省年度数据",
    "指标：每千人口养老床位(张)",
    "时间：最近3年",
    "地区,2016年,2015年,2014年",
    "全国,30.1,29.0,27.2",
    "北京市,２５.３,24.1,23.0",
    "天津市,31.2①,30.0,—",
    "河北省,\"1,032.5\",28.1,27.9",
    "<img src=x onerror=alert(1)>,1,2,3",
    "广东省,22.4,21.9,21.0",
    "注：本表为测试数据。",
    "数据来源：国家统计局",
]).encode("gb18030")


@pytest.fixture
def app_url(tmp_path):
    """A server of its own: the saved dataset must not leak into other tests' default views."""
    proc, url = start_app(tmp_path)
    yield url
    stop_app(proc)


def test_upload_messy_file_report_save_and_see_it_on_the_map(page, app_url):
    page.on("dialog", lambda d: pytest.fail(f"a dialog opened: {d.message}"))   # markup never runs
    page.goto(app_url + "/data")
    wait_for_app(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "养老床位.csv", "mimeType": "text/csv", "buffer": MESSY}])
    expect(page.get_by_text("校验报告", exact=False)).to_be_visible(timeout=90_000)
    metrics = page.locator('[data-testid="stMetric"]')
    expect(metrics.first).to_be_visible(timeout=60_000)
    values = {m.locator('[data-testid="stMetricLabel"]').inner_text().strip():
              m.locator('[data-testid="stMetricValue"]').inner_text().strip() for m in metrics.all()}
    # 6 body rows: 4 provinces used, 全国 skipped as a summary row, the markup name rejected (unmatched).
    assert values["输入行数"] == "6" and values["已使用"] == "4"
    assert values["已跳过"] == "1" and values["已拒绝"] == "1"
    expect(page.get_by_text("<img src=x onerror=alert(1)>", exact=False).first).to_be_attached()
    page.get_by_role("button", name="保存数据集").click()
    expect(page.get_by_text("已保存“", exact=False)).to_be_visible(timeout=60_000)
    page.get_by_role("link", name="在地图上查看").click()
    page.wait_for_function("() => location.pathname.endsWith('/map') || location.pathname === '/'", timeout=60_000)
    page.wait_for_function("() => document.querySelectorAll('path.choroplethlocation').length >= 34",
                           timeout=90_000)
    expect(page.get_by_text("每千人口养老床位", exact=False).first).to_be_visible(timeout=60_000)


UPLOADER_WORDS = """(key) => [...document.querySelectorAll(
  `.st-key-${key} [data-testid=stFileUploaderDropzone] button p, `
  + `.st-key-${key} [data-testid=stFileUploaderDropzoneInstructions] span`)]
  .map(e => getComputedStyle(e).fontSize === '0px' ? getComputedStyle(e, '::after').content : e.textContent)"""


def test_the_uploader_speaks_the_page_language(page, app_url):
    page.goto(app_url + "/data")
    wait_for_app(page)
    page.locator('[data-testid="stFileUploaderDropzone"]').wait_for(timeout=60_000)
    # What is drawn: Streamlit's own English words give way to ours on a Chinese page ...
    assert page.evaluate(UPLOADER_WORDS, "upload") == ['"上传"', '"单个文件不超过 50 MB · CSV、TSV、TXT、XLSX、XLS"']
    page.goto(app_url + "/data?lang=en")
    wait_for_app(page)
    page.locator('[data-testid="stFileUploaderDropzone"]').wait_for(timeout=60_000)
    # ... and stay on an English one.
    assert page.evaluate(UPLOADER_WORDS, "upload") == ["Upload", "50MB per file • CSV, TSV, TXT, XLSX, XLS"]
    # The plans page's uploader (several returned workbooks at once) speaks Chinese too.
    page.goto(app_url + "/plans")
    wait_for_app(page)
    page.locator('.st-key-plans-upload-nd2013 [data-testid="stFileUploaderDropzone"]').wait_for(timeout=60_000)
    expected = ['"上传"', '"单个文件不超过 50 MB · XLSX、XLS、CSV、TSV、TXT"']
    # read once the page has settled (one run of the suite read it too early)
    page.wait_for_function(f"(want) => JSON.stringify(({UPLOADER_WORDS})('plans-upload-nd2013')) === "
                           "JSON.stringify(want)", arg=expected, timeout=30_000)
    assert page.evaluate(UPLOADER_WORDS, "plans-upload-nd2013") == expected


REFUSAL = ("() => getComputedStyle(document.querySelector('.st-key-upload [data-testid=stFileUploaderDropzone]'),"
           " '::after').content")


def test_a_refused_file_says_what_is_accepted(page, app_url, tmp_path):
    """The browser refuses a PDF before it reaches the server; Streamlit shows only a red chip (its
    reason in an English tooltip), so the line beside it says what the uploader takes, in the page language."""
    pdf = tmp_path / "报告.pdf"
    pdf.write_bytes(b"%PDF-1.4 not a table")
    for query, words in (("", "未上传：只接受一个不超过 50 MB 的 CSV、TSV、TXT、XLSX、XLS 文件。请移除后重新选择。"),
                         ("?lang=en", "Not uploaded: one CSV, TSV, TXT, XLSX, XLS file of at most 50 MB is accepted. "
                                      "Remove it and choose another.")):
        page.goto(app_url + "/data" + query)
        wait_for_app(page)
        page.locator('[data-testid="stFileUploaderDropzone"]').wait_for(timeout=60_000)
        assert page.evaluate(REFUSAL) == "none"              # nothing refused yet: no line
        page.locator('.st-key-upload [data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(pdf))
        page.locator('.st-key-upload [data-testid="stFileChip"][aria-invalid="true"]').wait_for(timeout=30_000)
        assert page.evaluate(REFUSAL) == f'"{words}"'
        expect(page.locator('[data-testid="stFileUploaderDropzone"]')).to_be_visible()


def test_the_report_downloads_from_the_server_formula_safe(page, app_url):
    """The rejected rows' table offers a server-built CSV in which the upload's formula is text; the table's own
    browser-built download (raw cells, formulas kept) is switched off."""
    import csv
    import io
    formula = '=HYPERLINK("http://evil.example","点击")'
    body = "地区,2016年\n北京市,25.3\n\"" + formula.replace('"', '""') + "\",1\n广东省,22.4\n"
    page.goto(app_url + "/data")
    wait_for_app(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "formula.csv", "mimeType": "text/csv", "buffer": body.encode("utf-8")}])
    expect(page.get_by_text("校验报告", exact=False)).to_be_visible(timeout=90_000)
    page.get_by_role("tab", name="跳过或拒绝的行", exact=False).click()
    panel = page.locator('[data-testid="stTabs"] [role="tabpanel"]:visible')
    table = panel.locator('[data-testid="stDataFrame"]').first
    expect(table).to_be_visible(timeout=30_000)
    table.hover()
    expect(table.locator('[aria-label="Download as CSV"]')).to_have_count(0)
    with page.expect_download(timeout=30_000) as info:
        panel.get_by_role("button", name="数据（CSV）").click()
    text = open(info.value.path(), encoding="utf-8-sig").read()
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert any("HYPERLINK" in c for c in cells)                     # the rejected row is in the report
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]


def test_a_plain_long_table_names_its_indicator_from_the_value_header(page, app_url):
    """No title lines: the form shows the name and unit the import takes from the value column's header, and the
    domain is guessed from that name (养老 -> 老有所养) instead of asking."""
    body = "地区,年份,每千人口养老床位（张）\n北京市,2019,32.5\n天津市,2019,28.1\n广东省,2019,26.4\n"
    page.goto(app_url + "/data")
    wait_for_app(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "beds.csv", "mimeType": "text/csv", "buffer": body.encode("utf-8")}])
    expect(page.get_by_text("校验报告", exact=False)).to_be_visible(timeout=90_000)
    expect(page.get_by_label("指标名称（中文）")).to_have_value("每千人口养老床位")
    expect(page.get_by_label("单位", exact=True)).to_have_value("张")
    expect(page.get_by_text("请选择这个指标所属的领域", exact=False)).to_have_count(0)
