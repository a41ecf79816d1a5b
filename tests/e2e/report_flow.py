"""Headless Chromium reports a comment as an anonymous reader, with JavaScript: the "Report"
link under the comment opens the form inline (focus on its heading), a send without a reason
shows the error inline next to the choices, and a good send swaps in the thank-you without
leaving the post page. Screenshots go to argv[2].

Usage: report_flow.py BASE_URL SCREENSHOT_DIR POST_PATH COMMENT_ID
Run by tests/e2e/reports.rs; prints `e2e: ok`.
"""
import os
import sys

import chromium
from chromium import expect, shot, until
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

base, shots, post_path, comment_id = sys.argv[1:5]
os.makedirs(shots, exist_ok=True)
driver = chromium.start()
try:
    driver.get(base + post_path)
    link = driver.find_element(By.CSS_SELECTOR, f"#comment-{comment_id} a[data-report]")
    # The keyboard opens it, as a click does.
    link.send_keys(Keys.ENTER)
    panel = until(driver, lambda: driver.find_element(By.CSS_SELECTOR, ".report-inline #report-panel"),
                  "the report form opens inline")
    expect(driver, link.get_attribute("aria-expanded") == "true", "the link says it is expanded")
    heading = panel.find_element(By.CSS_SELECTOR, "h3#report-title")
    expect(driver, driver.switch_to.active_element == heading, "focus on the form's heading")
    expect(driver, driver.current_url.endswith(post_path), "still on the post page")
    shot(driver, shots, "1-open")

    panel.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    error = until(driver, lambda: driver.find_element(By.CSS_SELECTOR, ".report-inline #report-reason-error"),
                  "the error appears inline")
    expect(driver, "Choose why" in error.text, "the reason's message")
    expect(driver, driver.current_url.endswith(post_path), "still on the post page after the error")
    shot(driver, shots, "2-error")

    driver.find_element(By.CSS_SELECTOR, ".report-inline label[for='report-reason-spam']").click()
    driver.find_element(By.CSS_SELECTOR, ".report-inline #report-text").send_keys("Sent from the inline form")
    driver.find_element(By.CSS_SELECTOR, ".report-inline button[type='submit']").click()
    thanks = until(driver, lambda: driver.find_element(By.CSS_SELECTOR, ".report-inline #report-status"),
                   "the thank-you takes the form's place")
    expect(driver, "Thank you for your report" in thanks.text, "the thank-you's words")
    expect(driver, thanks.get_attribute("role") == "status", "announced as a status")
    expect(driver, driver.switch_to.active_element == thanks, "focus on the thank-you")
    expect(driver, driver.current_url.endswith(post_path), "still on the post page after sending")
    expect(driver, not driver.find_elements(By.CSS_SELECTOR, ".report-inline form"), "the form is gone")
    shot(driver, shots, "3-thanks")
    print("e2e: ok")
finally:
    driver.quit()
