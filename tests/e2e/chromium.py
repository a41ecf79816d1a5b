"""The headless Chromium the end-to-end scripts drive (Debian's chromium and chromedriver),
and the helpers they share."""
import os
import time

from selenium import webdriver
from selenium.common.exceptions import (NoSuchElementException,
                                        StaleElementReferenceException,
                                        WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1000"]


def start():
    """A headless Chromium with a 30 s page-load limit."""
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in FLAGS:
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    driver.set_page_load_timeout(30)
    return driver


class Failed(Exception):
    """A step of a browser walk did not happen."""


def shot(driver, folder, name):
    driver.save_screenshot(os.path.join(folder, name + ".png"))


def where(driver):
    """The current URL and the start of the page's main content, for failure messages."""
    try:
        main = driver.find_element(By.ID, "main").text[:1200]
    except WebDriverException:
        main = driver.page_source[:1200]
    return f"\n  at {driver.current_url}\n  page shows: {main!r}"


def until(driver, check, what, seconds=15):
    """Polls `check()` until it returns something truthy (elements may be swapped by htmx
    or a form post may still be loading); fails with `what` after `seconds`."""
    end = time.time() + seconds
    last = None
    while time.time() < end:
        try:
            got = check()
            if got:
                return got
        except (NoSuchElementException, StaleElementReferenceException) as e:
            last = e
        except WebDriverException as e:
            # A node read while the page navigates away: Chromium reports it as an
            # "unknown error" rather than a stale element, but it is the same thing.
            if "does not belong to the document" not in str(e):
                raise
            last = e
        time.sleep(0.2)
    raise Failed(f"timed out after {seconds}s waiting for: {what}"
                 + (f" (last error: {type(last).__name__})" if last else "") + where(driver))


def expect(driver, cond, what):
    if not cond:
        raise Failed("expected " + what + where(driver))


def sign_in(driver, base, email, password):
    """Signs in at the admin (after signing out whoever was)."""
    driver.delete_all_cookies()
    driver.get(base + "/admin/login")
    driver.find_element(By.NAME, "email").send_keys(email)
    pw = driver.find_element(By.NAME, "password")
    pw.send_keys(password)
    pw.find_element(By.XPATH, "./ancestor::form//button[@type='submit']").click()
    until(driver, lambda: "/login" not in driver.current_url
          and driver.find_elements(By.CSS_SELECTOR, "header.admin-header"),
          f"the admin after signing in as {email}")
