"""Drives Rostra's two pages in headless Chromium, as a person would, and checks every effect
through the JSON APIs. Run by scripts/browser-test, which installs Chromium, its driver
and Selenium and starts a fresh Rostra; this file only needs the URLs.

Usage: browser_test.py ROSTI_URL ROSA_URL ADMIN_TOKEN ARTIFACTS_DIR
"""

import base64
import json
import os
import sys
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROSTI, ROSA, ADMIN_TOKEN, ARTIFACTS = sys.argv[1].rstrip("/"), sys.argv[2].rstrip("/"), sys.argv[3], sys.argv[4]
SEED_TOKEN = "rostidemo0000000000000000000000000000001"
WAIT_SECONDS = 15

passed = 0
failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}" + (f"\n     | {detail}" if detail else ""))
    return condition


# --- the APIs, straight (urllib) --------------------------------------------------------

def http(method, url, body=None, headers=None):
    """(status, parsed JSON or text) of one request."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    text = raw.decode("utf-8", "replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def admin(method, path, body=None, tenant=None):
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    if tenant:
        headers["X-Rostra-Tenant"] = tenant
    return http(method, f"{ROSTI}/__admin/{path}", body, headers)


def rosti(method, path, body=None):
    return http(method, f"{ROSTI}{path}", body, {"Authorization": f"Token {SEED_TOKEN}", "Accept-Language": "en"})


def eventually(probe, seconds=WAIT_SECONDS):
    """The first truthy value of probe() within the time, else None."""
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


# --- the browser ------------------------------------------------------------------------

def start_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000", "--hide-scrollbars", "--lang=en-US"):
        options.add_argument(argument)
    # Debian's driver, so Selenium never looks for one to download.
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(options=options, service=service)


# The dashboard redraws its tables on every poll, so an element found a moment ago may be
# gone: conditions and clicks look again rather than fail on it.
REDRAWN = (StaleElementReferenceException, NoSuchElementException)


def wait_for(driver, condition, description):
    try:
        return WebDriverWait(driver, WAIT_SECONDS, poll_frequency=0.1, ignored_exceptions=REDRAWN).until(lambda _: condition())
    except TimeoutException:
        print(f"     (waited {WAIT_SECONDS} s for {description})")
        return None


def click(driver, by, selector):
    """Clicks the element, finding it again if a redraw replaced it."""
    def clicked():
        driver.find_element(by, selector).click()
        return True
    return wait_for(driver, clicked, f"clicking {selector}")


def text_of(driver, element_id):
    for _ in range(10):
        try:
            return driver.find_element(By.ID, element_id).text
        except StaleElementReferenceException:
            continue
    return driver.find_element(By.ID, element_id).text


def full_page_screenshot(driver, path):
    """The whole page, not only the window, through the DevTools protocol."""
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    with open(path, "wb") as file:
        file.write(base64.b64decode(shot["data"]))


# --- the dashboard ----------------------------------------------------------------------

def dashboard(driver):
    print("== dashboard")
    driver.get(f"{ROSTI}/__admin/")
    # Started with --admin-token: the page holds no data and asks for the token.
    asked = wait_for(driver, lambda: driver.find_element(By.ID, "token-form").is_displayed(), "token form")
    check("the page asks for the admin token", asked)
    driver.find_element(By.ID, "token-input").send_keys(ADMIN_TOKEN)
    driver.find_element(By.CSS_SELECTOR, "#token-form button").click()
    loaded = wait_for(driver, lambda: driver.find_element(By.TAG_NAME, "body").get_attribute("data-loaded") == "default", "loaded")
    check("with the token it loads the default tenant", loaded, text_of(driver, "status"))
    check("on the Rosti port it links the API's browser demo", driver.find_element(By.ID, "api-demo").is_displayed())

    accounts = text_of(driver, "rosti-accounts")
    check("Rosti accounts are shown with their token", "demo@rostra.local" in accounts and SEED_TOKEN in accounts, accounts)
    files = text_of(driver, "rosa-files")
    check("Rosa files are shown with owner and size", "hello.txt" in files and "87 B demo" in files, files)
    check("Rosti apps, storages, snapshots are shown",
          "blog" in text_of(driver, "rosti-apps") and "blog_1894" in text_of(driver, "rosti-storages")
          and "before the theme upgrade" in text_of(driver, "rosti-snapshots"))

    # Maintenance: click Rosa's switch, see it through the admin API and the Rosa API.
    driver.find_element(By.ID, "maintenance-rosa").click()
    switched = eventually(lambda: admin("GET", "maintenance")[1] == {"rosti": False, "rosa": True})
    check("clicking the Rosa maintenance switch turns it on (admin API)", switched, admin("GET", "maintenance"))
    status, body = http("GET", f"{ROSA}/api/v1/check")
    check("the Rosa API answers 503 in maintenance", status == 503, f"{status} {body}")

    # The clock: freeze, then +1 hour moves it exactly an hour.
    driver.find_element(By.ID, "clock-freeze").click()
    frozen = eventually(lambda: admin("GET", "clock")[1]["mode"] == "frozen")
    check("Freeze freezes the tenant's clock", frozen)
    before = admin("GET", "clock")[1]["now_unix"]
    driver.find_element(By.ID, "clock-advance-hour").click()
    after = eventually(lambda: (lambda now: now if now != before else None)(admin("GET", "clock")[1]["now_unix"]))
    check("+1 hour advances the clock by 3600 s", after is not None and abs(after - before - 3600) < 0.001, f"{before} → {after}")
    shown = wait_for(driver, lambda: text_of(driver, "clock-mode") == "frozen", "clock shown")
    check("the page shows the frozen clock", shown)

    # A fault rule from the form, then a request it fails, seen in the live journal.
    driver.find_element(By.ID, "fault-api").send_keys("rosti")
    driver.find_element(By.ID, "fault-path").send_keys("^/api/v1/companies/")
    status_input = driver.find_element(By.ID, "fault-status")
    status_input.clear()
    status_input.send_keys("502")
    driver.find_element(By.ID, "fault-times").send_keys("1")
    driver.find_element(By.ID, "fault-add").click()
    rules = eventually(lambda: admin("GET", "faults")[1]["faults"])
    check("the fault form adds the rule (admin API)",
          rules and rules[0].get("api") == "rosti" and rules[0].get("status") == 502 and rules[0].get("times") == 1, rules)
    status, _ = rosti("GET", "/api/v1/companies/")
    check("the rule fails the next Rosti call with 502", status == 502, status)
    journal = wait_for(driver, lambda: "rule 1: status 502" in text_of(driver, "journal-table"), "journal")
    check("the journal on the page shows it live, with the rule", journal, text_of(driver, "journal-table"))

    # Text from clients is text: a query with markup (journaled as received) shows as
    # written and makes no element.
    http("GET", f"{ROSTI}/hello?q=<img/id=injected>")
    shown = wait_for(driver, lambda: "/hello?q=<img/id=injected>" in text_of(driver, "journal-table"), "markup")
    check("a query with markup is shown as text", shown, text_of(driver, "journal-table"))
    check("and no element is made from it", not driver.find_elements(By.ID, "injected"))

    # A job, pending on the frozen clock, completed from the page.
    status, job = rosti("POST", "/api/v1/1/snapshots/", {"app": 1201, "note": "from the browser test"})
    check("a snapshot job is started through the Rosti API", status == 200 and job.get("status") == "pending", f"{status} {job}")
    row = f"//div[@id='jobs-table']//tr[td[1][normalize-space()='{job.get('id')}']]"
    pending = wait_for(driver, lambda: driver.find_elements(By.XPATH, row) and "pending" in driver.find_element(By.XPATH, row).text, "job")
    check("the page shows the job pending", pending)
    full_page_screenshot(driver, os.path.join(ARTIFACTS, "dashboard.png"))
    click(driver, By.XPATH, row + "//button[normalize-space()='Complete']")
    done = eventually(lambda: rosti("GET", f"/api/v1/1/jobs/{job.get('id')}/")[1].get("status") == "done")
    check("Complete finishes the job (Rosti API)", done)
    shown = wait_for(driver, lambda: "done" in driver.find_element(By.XPATH, row).text, "job done")
    check("the page shows it done", shown)

    # Maintenance off again from the page.
    driver.find_element(By.ID, "maintenance-rosa").click()
    off = eventually(lambda: admin("GET", "maintenance")[1] == {"rosti": False, "rosa": False})
    check("clicking the switch again ends maintenance", off and http("GET", f"{ROSA}/api/v1/check")[0] != 503)

    # Another tenant, chosen on the page: its world is its own.
    driver.find_element(By.ID, "tenant-new").send_keys("browser-demo")
    driver.find_element(By.ID, "tenant-use").click()
    loaded = wait_for(driver, lambda: driver.find_element(By.TAG_NAME, "body").get_attribute("data-loaded") == "browser-demo", "tenant")
    check("opening a new tenant from the page", loaded, text_of(driver, "status"))
    names = [tenant["name"] for tenant in admin("GET", "tenants")[1]["tenants"]]
    check("the tenant exists (admin API)", "browser-demo" in names, names)
    check("its clock is its own (real, not the default's frozen one)", text_of(driver, "clock-mode") == "real")
    check("its journal is empty", "None." in text_of(driver, "journal-table"), text_of(driver, "journal-table"))

    # Deleting it from the page (after the browser's confirmation) goes back to the default.
    driver.find_element(By.ID, "tenant-delete").click()
    wait_for(driver, lambda: driver.switch_to.alert, "the confirmation").accept()
    gone = eventually(lambda: "browser-demo" not in [tenant["name"] for tenant in admin("GET", "tenants")[1]["tenants"]])
    check("Delete tenant deletes it (admin API)", gone)
    back = wait_for(driver, lambda: driver.find_element(By.TAG_NAME, "body").get_attribute("data-loaded") == "default"
                    and "browser-demo" not in driver.current_url, "default tenant")
    check("and the page is back on the default tenant", back, driver.current_url)

    # The same page on the Rosa port (another origin: the token is asked for again).
    driver.get(f"{ROSA}/__admin/")
    wait_for(driver, lambda: driver.find_element(By.ID, "token-form").is_displayed(), "token form")
    driver.find_element(By.ID, "token-input").send_keys(ADMIN_TOKEN)
    driver.find_element(By.CSS_SELECTOR, "#token-form button").click()
    loaded = wait_for(driver, lambda: driver.find_element(By.TAG_NAME, "body").get_attribute("data-loaded") == "default", "Rosa port")
    check("the dashboard works on the Rosa port too", loaded and "hello.txt" in text_of(driver, "rosa-files"))
    check("and links no Rosti demo there", not driver.find_element(By.ID, "api-demo").is_displayed())


# --- the Rosti API's documentation page and its "try it" forms ------------------------------

def try_it(driver, keys, values, expect):
    """Fills the form of the link at keys, sends it, returns (status line, body text)."""
    form_id = "try-" + "-".join(keys)
    form = driver.find_element(By.ID, form_id)
    details = form.find_element(By.XPATH, "..")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", details)
    if not details.get_attribute("open"):
        details.find_element(By.TAG_NAME, "summary").click()
    for name, value in values.items():
        field = driver.find_element(By.ID, f"{form_id}-{name}")
        field.clear()
        field.send_keys(value)
    form.find_element(By.CSS_SELECTOR, "button.send").click()
    status = form.find_element(By.CLASS_NAME, "try-status")
    wait_for(driver, lambda: expect in status.text, form_id)
    return status.text, form.find_element(By.CLASS_NAME, "try-body").text


def api_demo(driver):
    print("== Rosti API demo page")
    driver.get(f"{ROSTI}/api/")
    check("GET /api/ in a browser is the documentation page", driver.title == "Rosti API", driver.title)
    loaded = wait_for(driver, lambda: driver.execute_script("return !!(window.coreapi && window.schema)"), "client")
    check("the page loads the CoreAPI client and the schema", loaded)

    schema = http("GET", f"{ROSTI}/api/?format=corejson")[1]
    links = [("v1", resource, action) for resource, actions in schema["v1"].items() for action in actions if not resource.startswith("_")]
    forms = {form.get_attribute("id") for form in driver.find_elements(By.CSS_SELECTOR, "form.try")}
    missing = [keys for keys in links if "try-" + "-".join(keys) not in forms]
    check(f"every endpoint of the schema has a try-it form ({len(links)})", not missing and len(forms) == len(links), missing)

    # The user pastes the seed token.
    driver.find_element(By.ID, "try-token").send_keys(SEED_TOKEN)
    line, body = try_it(driver, ("v1", "companies", "list"), {}, "→")
    expected = [company["name"] for company in rosti("GET", "/api/v1/companies/")[1]]
    check("try it: companies list answers 200", line.startswith("GET ") and "/api/v1/companies/ → 200" in line, line)
    shown = json.loads(body) if body.startswith("[") else []
    check("and shows the companies the API has", [company.get("name") for company in shown] == expected, body[:300])
    driver.save_screenshot(os.path.join(ARTIFACTS, "rosti-api-demo.png"))

    line, body = try_it(driver, ("v1", "apps", "create"), {"company_id": "1", "name": "from_the_browser"}, "→")
    # Every success of the Rosti API is 200, creates included.
    check("try it: apps create answers 200", line.startswith("POST ") and "/api/v1/1/apps/ → 200" in line, line)
    apps = [app["name"] for app in rosti("GET", "/api/v1/1/apps/")[1]]
    check("the app exists (Rosti API)", "from_the_browser" in apps, apps)

    line, body = try_it(driver, ("v1", "apps", "read"), {"company_id": "1", "id": "999999"}, "→")
    check("try it: an unknown app shows 404 and DRF's body", "→ 404" in line and "detail" in body, f"{line} {body}")

    line, body = try_it(driver, ("v1", "apps", "read"), {"company_id": "", "id": ""}, "not sent")
    check("try it: a missing required field is refused before sending", "not sent" in line and "company_id" in body, f"{line} {body}")


def main():
    os.makedirs(ARTIFACTS, exist_ok=True)
    for part in ("dashboard", "api_demo"):
        stale = os.path.join(ARTIFACTS, f"{part}-failure.png")
        if os.path.exists(stale):
            os.remove(stale)
    driver = start_browser()
    try:
        for part in (dashboard, api_demo):
            try:
                part(driver)
            except Exception as error:  # a broken page must fail the run, not stop the report
                check(f"{part.__name__} ran to the end", False, repr(error))
                driver.save_screenshot(os.path.join(ARTIFACTS, f"{part.__name__}-failure.png"))
        errors = [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"
                  and "favicon" not in entry.get("message", "")]
        # The page's own 4xx answers (the 404 it asked for, the 401 before the token) are
        # logged as console errors by Chromium; script errors and anything the pages'
        # Content-Security-Policy refused are what must not happen.
        script_errors = [entry for entry in errors
                         if "Uncaught" in entry.get("message", "") or "Content Security Policy" in entry.get("message", "")]
        check("no script errors or refused content in the browser console", not script_errors, script_errors)
    finally:
        driver.quit()
    print(f"browser-test: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
