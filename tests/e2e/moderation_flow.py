"""Moderation in headless Chromium: report, claim by keyboard, remove with a reason,
silence, appeal, uphold by another moderator. Arguments: base URL, screenshot folder,
password, post slug, comment id, reader, first moderator, author, second moderator."""
import os
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

sys.path.insert(0, os.path.dirname(__file__))
from chromium import Failed, expect, shot, sign_in, start, until  # noqa: E402

base, shots, password, slug, comment_id, reader, first, author, second = sys.argv[1:10]
os.makedirs(shots, exist_ok=True)


def member_sign_in(driver, email):
    driver.delete_all_cookies()
    driver.get(base + "/login")
    driver.find_element(By.NAME, "email").send_keys(email)
    pw = driver.find_element(By.NAME, "password")
    pw.send_keys(password)
    pw.find_element(By.XPATH, "./ancestor::form//button[@type='submit']").click()
    until(driver, lambda: "/login" not in driver.current_url, f"signed in as {email}")


def body(driver):
    return driver.find_element(By.TAG_NAME, "body").text


driver = start()
try:
    # 1. A reader reports the comment from the post page.
    member_sign_in(driver, reader)
    driver.get(f"{base}/posts/{slug}")
    link = until(driver, lambda: driver.find_element(
        By.CSS_SELECTOR, f"#comment-{comment_id} a[data-report]"), "the comment's Report link")
    link.click()
    panel = until(driver, lambda: driver.find_element(By.CSS_SELECTOR, ".report-inline #report-panel"),
                  "the report form, opened inline")
    panel.find_element(By.CSS_SELECTOR, "label[for='report-reason-harassment']").click()
    panel.find_element(By.CSS_SELECTOR, "#report-text").send_keys("Calls readers idiots.")
    shot(driver, shots, "1-reader-reports")
    panel.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    until(driver, lambda: driver.find_element(By.CSS_SELECTOR, ".report-inline #report-status"),
          "the thank-you in place")
    shot(driver, shots, "2-reported")

    # 2. The first moderator opens the queue, moves to the case and claims it by keyboard.
    sign_in(driver, base, first, password)
    driver.get(base + "/admin/moderation")
    until(driver, lambda: driver.find_elements(By.CSS_SELECTOR, "[data-mod-queue] tbody tr"), "a case in the queue")
    until(driver, lambda: driver.execute_script(
        "return document.documentElement.getAttribute('data-live-counts')") == "1",
        "the live counts connected")
    shot(driver, shots, "3-queue")
    page = driver.find_element(By.TAG_NAME, "body")
    page.send_keys("j")
    until(driver, lambda: driver.switch_to.active_element.get_attribute("data-row-link") is not None,
          "the first row focused by j")
    driver.switch_to.active_element.send_keys("o")
    until(driver, lambda: "/admin/moderation/cases/" in driver.current_url, "the case opened by o")
    case_url = driver.current_url.split("?")[0]
    driver.find_element(By.TAG_NAME, "body").send_keys("c")
    until(driver, lambda: "You hold this case" in body(driver), "claimed with c")
    expect(driver, "Let go of this case" in body(driver), "the claim shown")
    shot(driver, shots, "4-claimed-by-keyboard")

    # 3. Remove with a reason: r chooses remove and focuses the reason; Ctrl+Enter sends.
    driver.find_element(By.TAG_NAME, "body").send_keys("r")
    until(driver, lambda: driver.switch_to.active_element.get_attribute("id") == "decide-reason",
          "the reason focused by r")
    Select(driver.switch_to.active_element).select_by_index(0)
    note = driver.find_element(By.ID, "decide-note")
    note.send_keys("Insults other readers.")
    note.send_keys(Keys.CONTROL, Keys.ENTER)
    until(driver, lambda: "Remove: done" in body(driver), "the removal confirmed")
    expect(driver, "removed" in body(driver), "the case shows removed")
    shot(driver, shots, "5-removed")

    # 4. Silence the author for 3 days.
    Select(driver.find_element(By.ID, "sanction-kind")).select_by_value("silence")
    driver.find_element(By.ID, "sanction-days").send_keys("3")
    driver.find_element(By.ID, "sanction-note").send_keys("Please keep it civil.")
    driver.find_element(By.ID, "sanction-note").find_element(
        By.XPATH, "./ancestor::form//button[@type='submit']").click()
    until(driver, lambda: "silenced" in body(driver), "the silence confirmed")
    shot(driver, shots, "6-silenced")

    # 5. The author sees the strike on /account and appeals the silence.
    member_sign_in(driver, author)
    driver.get(base + "/account")
    until(driver, lambda: "Strikes and appeals" in body(driver), "the strikes section")
    expect(driver, "You cannot comment until" in body(driver), "the silence explained")
    box = driver.find_element(By.CSS_SELECTOR, "textarea[id^='appeal-sanction-']")
    box.send_keys("It was a heated moment and I apologise to everyone.")
    box.find_element(By.XPATH, "./ancestor::form//button[@type='submit']").click()
    until(driver, lambda: "Your appeal is sent" in body(driver), "the appeal sent")
    shot(driver, shots, "7-account-appeal")

    # 6. The first moderator may not decide it; the second upholds it.
    sign_in(driver, base, first, password)
    driver.get(base + "/admin/moderation?kind=appeal")
    row = until(driver, lambda: driver.find_element(By.CSS_SELECTOR, "[data-mod-queue] tbody tr [data-row-link]"),
                "the appeal in the queue")
    row.click()
    until(driver, lambda: "You took the action appealed" in body(driver), "the first moderator refused")
    appeal_url = driver.current_url
    sign_in(driver, base, second, password)
    driver.get(appeal_url)
    until(driver, lambda: "Decide the appeal" in body(driver), "the appeal form")
    shot(driver, shots, "8-appeal-in-queue")
    driver.find_element(By.ID, "appeal-uphold").click()
    driver.find_element(By.ID, "appeal-note").send_keys("Accepted: one heated moment.")
    driver.find_element(By.ID, "appeal-note").find_element(
        By.XPATH, "./ancestor::form//button[@type='submit']").click()
    until(driver, lambda: "Appeal upheld" in body(driver), "the appeal upheld")
    shot(driver, shots, "9-upheld")
    print("e2e: ok")
except Failed as e:
    print(f"e2e: failed: {e}")
    sys.exit(1)
finally:
    driver.quit()
