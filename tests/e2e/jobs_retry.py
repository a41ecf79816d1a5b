"""Headless Chromium walks the Jobs screen like a support person: sign in, find the failed
mail job under Retries, open it, retry it, and see it processed. Screenshots go to argv[2].

Usage: jobs_retry.py BASE_URL SCREENSHOT_DIR EMAIL PASSWORD
Run by tests/e2e/mod.rs, which starts Copydesk and makes the job fail first.
"""
import os
import sys
import time

import chromium
from selenium.webdriver.common.by import By

base, shots, email, password = sys.argv[1:5]
os.makedirs(shots, exist_ok=True)

driver = chromium.start()


def shot(name):
    driver.save_screenshot(os.path.join(shots, name + ".png"))


def wait_for(text, seconds=15):
    """Waits for `text` on the current page (a form post may still be loading)."""
    end = time.time() + seconds
    while time.time() < end:
        if text in driver.page_source:
            return True
        time.sleep(0.2)
    return False


def page_has(text, seconds=20):
    end = time.time() + seconds
    while time.time() < end:
        if text in driver.page_source:
            return True
        time.sleep(0.5)
        driver.refresh()
    return False


try:
    driver.get(base + "/admin/login")
    driver.find_element(By.ID, "login-email").send_keys(email)
    driver.find_element(By.ID, "login-password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form.stack-form button[type=submit]").click()
    assert wait_for("Dashboard"), driver.current_url
    shot("1-dashboard")

    driver.find_element(By.LINK_TEXT, "Jobs").click()
    driver.find_element(By.LINK_TEXT, "Retries").click()
    assert wait_for("Copydesk::SendEmail"), "the failed job is listed"
    shot("2-retries")

    driver.find_element(By.CSS_SELECTOR, "table tbody tr td a").click()
    assert wait_for("Copydesk::MailError"), "the detail shows the error"
    shot("3-detail")

    driver.find_element(By.CSS_SELECTOR, "button[name=action][value=retry]").click()
    assert wait_for("Done: retry 1."), driver.current_url + " " + driver.page_source[:1500]
    shot("4-retried")

    # The job runs again (the mail server is up now) and the message is delivered.
    driver.get(base + "/admin/outbox")
    assert page_has(">sent<") or page_has("sent"), "the mail went out"
    driver.find_element(By.CSS_SELECTOR, "table tbody tr td a").click()
    assert page_has("done"), "its job shows done"
    shot("5-processed")
    print("e2e: ok")
finally:
    driver.quit()
