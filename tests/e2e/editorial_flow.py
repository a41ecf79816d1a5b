"""Headless Chromium takes a post from draft to published through two review stages, as
the people who do it: the author writes and submits; the editor (copy edit) requests
changes; the author fixes and submits again; the editor approves the copy edit; the
reviewer, named for the legal read, finds it in the review queue and approves; the editor
schedules it two minutes ahead; the job runtime publishes it and the reader page shows it.
Screenshots go to argv[2].

Usage: editorial_flow.py BASE_URL SCREENSHOT_DIR PASSWORD POST_ID SLUG AUTHOR REVIEWER EDITOR
Run by tests/e2e/editorial.rs, which starts Copydesk with the two stages and a job server.
Prints `e2e: ok` at the end.
"""
import datetime
import os
import sys

import chromium
from selenium.webdriver.common.by import By

base, shots, password, post_id, slug, author, reviewer, editor = sys.argv[1:9]
os.makedirs(shots, exist_ok=True)
for old in os.listdir(shots):  # so a screenshot left by an earlier run cannot pass for this one
    if old.endswith(".png"):
        os.remove(os.path.join(shots, old))

driver = chromium.start()
workflow = f"{base}/admin/posts/{post_id}/workflow"
change = f"{base}/admin/content/posts/{post_id}"


def shot(name):
    chromium.shot(driver, shots, name)


def until(check, what, seconds=15):
    return chromium.until(driver, check, what, seconds)


def expect(cond, what):
    chromium.expect(driver, cond, what)


def main_text():
    return driver.find_element(By.ID, "main").text


def step(button_text, note=None, at=None):
    """Takes the workflow step whose button reads `button_text` (its form's note and time
    filled in first) and waits for the page to say it was done."""
    driver.get(workflow)
    button = until(lambda: [b for b in driver.find_elements(By.CSS_SELECTOR, "form.workflow-step button")
                            if b.text.strip().startswith(button_text)], f"the “{button_text}” button")[0]
    form = button.find_element(By.XPATH, "./ancestor::form")
    if note is not None:
        form.find_element(By.NAME, "note").send_keys(note)
    if at is not None:
        field = form.find_element(By.NAME, "at")
        driver.execute_script("arguments[0].value = arguments[1]", field, at)
    button.click()
    until(lambda: ": done." in main_text(), f"“{button_text}” to be done")


def edit_body(extra):
    driver.get(change)
    body = until(lambda: driver.find_element(By.ID, "field-body_markdown"), "the body field")
    body.send_keys(extra)
    driver.find_element(By.CSS_SELECTOR, "form.model-form button[name=_continue]").click()
    until(lambda: driver.find_elements(By.CSS_SELECTOR, ".flash"), "the save to be confirmed")


try:
    # 1. The author opens the draft (the lock says she is editing), writes, and submits.
    chromium.sign_in(driver, base, author, password)
    driver.get(change)
    until(lambda: "You are editing this post." in main_text(), "the editing notice")
    edit_body("\n\nA paragraph the author added before review.")
    shot("1-author-wrote")
    step("Submit for review")
    expect("Copy edit" in main_text() and "current" in main_text(), "the post to stand at the copy edit")
    shot("2-submitted")

    # 2. The reviewer is named for the legal read only: nothing waits on her yet.
    chromium.sign_in(driver, base, reviewer, password)
    driver.get(base + "/admin/reviews")
    mine = until(lambda: driver.find_element(By.ID, "mine"), "the review queue")
    expect("(0)" in mine.text, f"nothing to wait on the reviewer before the copy edit: {mine.text!r}")

    # 3. The editor finds it waiting on him and sends it back with a note.
    chromium.sign_in(driver, base, editor, password)
    driver.get(base + "/admin/reviews")
    until(lambda: driver.find_elements(By.XPATH, f"//table[caption[contains(., 'you approve')]]//a[contains(@href, '/admin/posts/{post_id}/workflow')]"),
          "the post in the editor's queue")
    step("Request changes", note="Name the source of the second quote.")
    shot("3-changes-requested")

    # 4. The author sees the note on the timeline, fixes the post and submits again.
    chromium.sign_in(driver, base, author, password)
    driver.get(workflow)
    until(lambda: "Name the source of the second quote." in main_text(), "the note on the timeline")
    edit_body("\n\nThe second quote is from the harbour master's annual report.")
    step("Submit for review")
    shot("4-resubmitted")

    # 5. The editor approves the copy edit: the post moves on to the legal read.
    chromium.sign_in(driver, base, editor, password)
    step("Approve “Copy edit”")
    expect("Legal read" in main_text(), "the legal read to be next")
    shot("5-copy-edit-approved")

    # 6. The reviewer finds it waiting on her, takes it, and approves the last stage.
    chromium.sign_in(driver, base, reviewer, password)
    driver.get(base + "/admin/reviews")
    link = until(lambda: driver.find_elements(By.XPATH, f"//table[caption[contains(., 'you approve')]]//a[contains(@href, '/admin/posts/{post_id}/workflow')]"),
                 "the post in the reviewer's queue")[0]
    shot("6-reviewer-queue")
    link.click()
    until(lambda: "Take this review" in main_text(), "the take button")
    driver.find_element(By.XPATH, "//button[normalize-space()='Take this review']").click()
    until(lambda: "You hold this review now" in main_text(), "the review to be hers")
    step("Approve “Legal read”")
    expect("approved" in main_text(), "the post to be approved")
    shot("7-legal-approved")

    # 7. The editor schedules it two minutes ahead (the site's zone is UTC here).
    chromium.sign_in(driver, base, editor, password)
    at = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M")
    step("Schedule", at=at)
    expect("Scheduled for" in main_text(), "the scheduled time on the page")
    shot("8-scheduled")

    # 8. The job runtime publishes it at its time; readers see it.
    def live():
        driver.get(f"{base}/posts/{slug}")
        return "annual report" in driver.page_source
    until(live, "the post to go live", seconds=200)
    shot("9-live")
    print("e2e: ok")
finally:
    driver.quit()
