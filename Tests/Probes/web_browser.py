#!/usr/bin/env python3
"""The public web pages in a real browser (issue 13), run by Tests/Probes/web-browser.sh.

Starts two `standing serve` on free loopback ports, each in a temporary data directory:

  A, loaded with Registry/example.json (`standing registry import`) and one status list: the registry, search,
     issuer and list pages;
  B, with a registry set up here through the CLI (root, body, an accredited did:key issuer whose key this script
     holds, and an unaccredited one) and four credentials issued with `standing credentials issue`: valid, revoked,
     suspended and unaccredited.

Then, in headless Chromium through Selenium: submits each credential through the form (and two as files through the
upload form) and reads the verdict;
searches the registry; follows an issuer; switches language; runs axe-core (axe-selenium-python) on every page and
requires zero violations; checks that every page fits 360 px without horizontal scrolling and that keyboard focus is
visible on every control reached by Tab; checks each page is under 50 KB; saves screenshots. Bounded by --timeout;
every process it started is stopped on exit. Exit status 0 when every check passed.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import axe_core_python
from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe_server import free_port  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failures = []
processes = []


def check(good, what):
    print(("ok   " if good else "FAIL ") + what, flush=True)
    if not good:
        failures.append(what)
    return good


class Server:
    def __init__(self, binary, directory):
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [binary, "serve", "--data-dir", os.path.join(directory, "data"), "--port", str(self.port), "--log-level", "warning"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        processes.append(self.process)
        line = self.process.stdout.readline()
        if "listening" not in line:
            raise SystemExit(f"standing serve did not start: {line!r}")
        with open(os.path.join(directory, "data", "operator-token")) as f:
            self.token = f.read().strip()

    def cli(self, *arguments, token=None):
        environment = dict(os.environ, STANDING_SERVER=self.url, STANDING_TOKEN=token or self.token)
        result = subprocess.run([self.binary, *arguments], cwd=self.directory, env=environment, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise SystemExit(f"standing {' '.join(arguments)} failed: {result.stderr.strip()}")
        return result.stdout


def generate_key(server, name):
    """A key whose kid is its did:key multikey, so a credential it signs names did:key:z...#z..."""
    out = server.cli("keys", "generate", "--name", name)
    did = next(line.split()[-1] for line in out.splitlines() if line.startswith("did:key"))
    path = os.path.join(server.directory, "standing-keys", f"{name}.jwk")
    with open(path) as f:
        jwk = json.load(f)
    jwk["kid"] = did[len("did:key:"):]
    with open(path, "w") as f:
        json.dump(jwk, f)
    return did, path


def set_up_check_server(server):
    """B: a registry of its own and four credentials; returns {name: credential text}."""
    server.cli("keys", "generate", "--name", "root")
    server.cli("keys", "generate", "--name", "body")
    with open(os.path.join(server.directory, "body.pub.jwk"), "w") as f:
        f.write(server.cli("keys", "public", "standing-keys/body.jwk"))
    server.cli("registry", "init", "--did", "did:web:registry.test", "--key", "standing-keys/root.jwk")
    server.cli("bodies", "add", "--did", "did:web:agency.test", "--public-key", "body.pub.jwk", "--name", "Test Agency",
               "--country", "ES", "--website", "https://agency.test", "--types", "MicroCredential", "--eqf", "5-8",
               "--jurisdiction", "ESP", "--until", "2035-01-01", "--key", "standing-keys/root.jwk", "--token-out", "body.token")
    with open(os.path.join(server.directory, "body.token")) as f:
        body_token = f.read().strip()
    issuer, issuer_key = generate_key(server, "issuer")
    stranger, stranger_key = generate_key(server, "stranger")
    server.cli("accredit", "--body", "did:web:agency.test", "--key", "standing-keys/body.jwk", "--subject", issuer,
               "--name", "Academia Ejemplo", "--country", "ES", "--website", "https://academia.test", "--types", "MicroCredential",
               "--eqf", "6", "--jurisdiction", "ESP", "--until", "2034-01-01", token=body_token)
    server.cli("lists", "create", "--purpose", "revocation", "--id", "diplomas")
    server.cli("lists", "create", "--purpose", "suspension", "--id", "holds")
    credentials = {}
    for name, key, did, list_id in [("valid", issuer_key, issuer, "diplomas"), ("revoked", issuer_key, issuer, "diplomas"),
                                    ("suspended", issuer_key, issuer, "holds"), ("unaccredited", stranger_key, stranger, "diplomas")]:
        out = os.path.join(server.directory, f"{name}.jwt")
        printed = server.cli("credentials", "issue", "--key", key, "--issuer", did, "--list", list_id, "--type", "MicroCredential",
                             "--eqf", "6", "--jurisdiction", "ESP", "--out", out)
        index = printed.split("index ")[1].split(",")[0].split()[0]
        with open(out) as f:
            credentials[name] = f.read().strip()
        if name == "revoked":
            server.cli("revoke", list_id, index, "--reason", "issued in error")
        if name == "suspended":
            server.cli("suspend", list_id, index, "--reason", "under review")
    time.sleep(1)  # the publication window
    return credentials


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900",
                     "--lang=en-GB", "--force-device-scale-factor=1"]:
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-GB,en"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(20)
    return driver


# axe-selenium-python 2.1.6, the newest on PyPI, bundles axe-core 3.1.1, which predates the WCAG 2.1 rules; the
# axe-core-python package ships axe-core 4.4.3 (with the wcag21a/wcag21aa tags), which axe-selenium-python injects instead.
AXE_SCRIPT = os.path.join(os.path.dirname(axe_core_python.__file__), "axe.min.js")


def axe_clean(driver, name):
    """Every axe-core 4.4.3 rule: WCAG 2.0 and 2.1 A/AA and best practices. 2.1's reflow (1.4.10) and focus
    visibility are also checked by fits_narrow and focus_visible below."""
    axe = Axe(driver, script_url=AXE_SCRIPT)
    axe.inject()
    results = axe.run()
    version = results.get("testEngine", {}).get("version", "")
    check(version.startswith("4."), f"axe-core {version} (4.x, with the WCAG 2.1 rules) ran on {name}")
    violations = results["violations"]
    detail = "; ".join(f"{v['id']} ({len(v['nodes'])}: {v['nodes'][0]['target']})" for v in violations)
    check(not violations, f"axe: no violation on {name}" + (f": {detail}" if detail else ""))


def fits_narrow(driver, name, screenshots):
    size = driver.get_window_size()
    driver.set_window_size(360, 800)
    width = driver.execute_script("return document.documentElement.clientWidth")
    scroll = driver.execute_script("return document.documentElement.scrollWidth")
    check(scroll <= width + 1, f"{name} fits 360 px (content {scroll} px in {width} px)")
    driver.save_screenshot(os.path.join(screenshots, f"{name}-360.png"))
    driver.set_window_size(size["width"], size["height"])


def focus_visible(driver, name, steps=12):
    """Tabs through the page; every element that takes focus must show an outline or a ring."""
    driver.find_element(By.TAG_NAME, "body").click()
    seen = 0
    for _ in range(steps):
        # Through the keyboard, not the element: send_keys to a file input would be read as a file to upload.
        ActionChains(driver).send_keys(Keys.TAB).perform()
        style = driver.execute_script(
            "const e = document.activeElement; if (!e || e === document.body) return null;"
            "const s = getComputedStyle(e); return [e.tagName, s.outlineStyle, s.outlineWidth, s.boxShadow];")
        if style is None:
            continue
        seen += 1
        tag, outline, width, shadow = style
        if not check((outline != "none" and width not in ("0px", "")) or shadow != "none",
                     f"{name}: focus visible on {tag} (outline {outline} {width})"):
            return
    check(seen > 0, f"{name}: Tab reaches a control")


def verdict(driver, base, credential):
    driver.get(base + "/")
    area = driver.find_element(By.ID, "credential")
    driver.execute_script("arguments[0].value = arguments[1];", area, credential)
    area.send_keys(" ")  # typed, as a person would finish pasting
    form = area.find_element(By.XPATH, "ancestor::form")
    form.find_element(By.TAG_NAME, "button").click()
    # The answer page replaces the form page: wait until the form is gone and the new page has its heading.
    WebDriverWait(driver, 20).until(EC.staleness_of(form))
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.TAG_NAME, "h1"))
    answers = driver.find_elements(By.ID, "answer")
    if not answers:
        main = driver.find_elements(By.TAG_NAME, "main")
        return "no answer: " + (main[0].text[:300] if main else driver.page_source[:300])
    return answers[0].text.strip()


def upload_verdict(driver, base, path):
    """The verdict for a credential file chosen in the upload form's file input (no script: a plain multipart post)."""
    driver.get(base + "/")
    chooser = driver.find_element(By.ID, "credential-file")
    chooser.send_keys(path)
    form = chooser.find_element(By.XPATH, "ancestor::form")
    check(form.get_attribute("enctype") == "multipart/form-data", "the upload form posts multipart/form-data")
    form.find_element(By.TAG_NAME, "button").click()
    WebDriverWait(driver, 20).until(EC.staleness_of(form))
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.TAG_NAME, "h1"))
    answers = driver.find_elements(By.ID, "answer")
    return answers[0].text.strip() if answers else "no answer: " + driver.page_source[:300]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/debug/standing"))
    parser.add_argument("--screenshots", default=os.path.join(ROOT, ".build/web-screenshots"))
    parser.add_argument("--timeout", type=int, default=600)
    arguments = parser.parse_args()
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(SystemExit(f"timed out after {arguments.timeout} s")))
    signal.alarm(arguments.timeout)
    screenshots = os.path.abspath(arguments.screenshots)
    os.makedirs(screenshots, exist_ok=True)
    binary = os.path.abspath(arguments.binary)
    scratch = tempfile.mkdtemp(prefix="standing-web-")
    driver = None
    try:
        os.makedirs(os.path.join(scratch, "a"))
        os.makedirs(os.path.join(scratch, "b"))
        example = Server(binary, os.path.join(scratch, "a"))
        imported = example.cli("registry", "import", os.path.join(ROOT, "Registry/example.json"), "--server", example.url, "--token", example.token)
        check("imported" in imported, "Registry/example.json imported")
        example.cli("lists", "create", "--purpose", "revocation", "--id", "diplomas-2026")
        checking = Server(binary, os.path.join(scratch, "b"))
        credentials = set_up_check_server(checking)

        # Sizes, without a browser: every page under 50 KB transferred (headers included).
        pages = {"check": "/", "issuers": "/issuers", "search": "/issuers?q=madrid", "issuer": "/issuers/did:web:uni-madrid.example.es",
                 "registry": "/registry", "list": "/lists/diplomas-2026", "not-found": "/issuers/did:web:nobody.example"}
        for name, path in pages.items():
            status, headers, body = get(example.url + path)
            size = len(body) + sum(len(k) + len(v) + 4 for k, v in headers.items())
            check(status in (200, 404) and size < 50_000, f"{name} page {status}, {size} bytes transferred (< 50 KB)")
            check("default-src 'none'" in headers.get("Content-Security-Policy", ""), f"{name} page has the CSP")

        driver = browser()
        # The verdicts, through the form.
        # Revoked and suspended carry the day the entry was set (from the audit log), today in UTC.
        today = time.gmtime()
        day = f"{today.tm_mday} {time.strftime('%B', today)} {today.tm_year}"  # as Foundation writes a long date in en_GB
        expected = {"valid": "Valid", "revoked": f"Revoked on {day}", "suspended": f"Suspended since {day}",
                    "unaccredited": "Issuer not accredited"}
        for name, words in expected.items():
            answer = verdict(driver, checking.url, credentials[name])
            check(answer == words, f"{name} credential reads \"{answer}\" (expected \"{words}\")")
            driver.save_screenshot(os.path.join(screenshots, f"verdict-{name}.png"))
            axe_clean(driver, f"verdict ({name})")
        fits_narrow(driver, "verdict", screenshots)

        # Uploaded as a file through the upload form: the same verdicts.
        for name in ["valid", "revoked"]:
            path = os.path.join(scratch, f"{name}-upload.jwt")
            with open(path, "w") as f:
                f.write(credentials[name])
            answer = upload_verdict(driver, checking.url, path)
            check(answer == expected[name], f"{name} credential uploaded as a file reads \"{answer}\" (expected \"{expected[name]}\")")
        axe_clean(driver, "verdict (uploaded)")

        # Search, an issuer, the registry, a list, an error: each page clean for axe, narrow, focusable.
        driver.get(example.url + "/issuers")
        box = driver.find_element(By.ID, "q")
        box.send_keys("Madrid")
        box.send_keys(Keys.RETURN)
        WebDriverWait(driver, 20).until(lambda d: "q=Madrid" in d.current_url)
        results = [a.text for a in driver.find_elements(By.CSS_SELECTOR, ".results a")]
        check(any("Madrid" in r for r in results), f"search for Madrid finds {results}")
        driver.save_screenshot(os.path.join(screenshots, "issuers-search.png"))
        axe_clean(driver, "issuer search")
        driver.find_element(By.CSS_SELECTOR, ".results a").click()
        WebDriverWait(driver, 20).until(lambda d: "/issuers/did" in d.current_url)
        check("Madrid" in driver.find_element(By.TAG_NAME, "h1").text, "the result leads to the issuer's page")
        check(len(driver.find_elements(By.CSS_SELECTOR, ".timeline li")) > 0, "the issuer's page shows a timeline")
        driver.save_screenshot(os.path.join(screenshots, "issuer.png"))
        axe_clean(driver, "issuer page")
        fits_narrow(driver, "issuer", screenshots)
        driver.get(example.url + "/issuers?status=suspended")
        check("Escuela de Negocios" in driver.page_source or "Business School" in driver.page_source, "the suspended business school is found by status")

        for name, path in [("check", "/"), ("issuers", "/issuers"), ("registry", "/registry"), ("list", "/lists/diplomas-2026"),
                           ("not-found", "/issuers/did:web:nobody.example")]:
            driver.get(example.url + path)
            driver.save_screenshot(os.path.join(screenshots, f"{name}.png"))
            axe_clean(driver, f"{name} page")
            fits_narrow(driver, name, screenshots)
            focus_visible(driver, f"{name} page")

        # The language switch: a visible link, remembered for the next page.
        driver.get(example.url + "/")
        driver.find_element(By.CSS_SELECTOR, "a[hreflang='es']").click()
        WebDriverWait(driver, 20).until(lambda d: "lang=es" in d.current_url)
        check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es", "the switch turns the page Spanish")
        check(driver.find_element(By.TAG_NAME, "h1").text == "Comprobar una credencial", "the heading is in Spanish")
        driver.save_screenshot(os.path.join(screenshots, "check-es.png"))
        axe_clean(driver, "check page (es)")
        driver.get(example.url + "/registry")
        check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es", "the choice holds on the next page")
        for code, words in [("fr", "Révoquée le "), ("de", "Widerrufen am ")]:
            driver.get(checking.url + f"/?lang={code}")
            answer = verdict(driver, checking.url, credentials["revoked"])
            check(answer.startswith(words) and str(today.tm_year) in answer, f"revoked credential in {code} reads \"{answer}\"")
            axe_clean(driver, f"verdict ({code})")
    finally:
        if driver is not None:
            driver.quit()
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"screenshots in {screenshots}")
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("all web browser checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
