"""Headless Chromium works the admin engine like an editor: sign in, filter the posts list by
state, search it, edit a post with a validation error then fix it, and send two drafts to
review through the bulk action and its confirmation page. Screenshots go to argv[2].

Usage: admin_flow.py BASE_URL SCREENSHOT_DIR EMAIL PASSWORD NEW_TITLE
Run by tests/e2e/mod.rs, which starts Copydesk and seeds the posts. Prints `EDITED <id>` for
the post it renamed and `TICKED <id>` for each post it sent to review, then `e2e: ok`.
"""
import os
import re
import sys
import time
from urllib.parse import parse_qs, urlparse

import chromium
from selenium.common.exceptions import (NoSuchElementException,
                                        StaleElementReferenceException,
                                        WebDriverException)
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

base, shots, email, password, new_title = sys.argv[1:6]
os.makedirs(shots, exist_ok=True)
for old in os.listdir(shots):  # so a screenshot left by an earlier run cannot pass for this one
    if old.endswith(".png"):
        os.remove(os.path.join(shots, old))
SEARCH = "harbour"

driver = chromium.start()


Failed = chromium.Failed


def shot(name):
    chromium.shot(driver, shots, name)


def where():
    return chromium.where(driver)


def until(check, what, seconds=15):
    return chromium.until(driver, check, what, seconds)


def expect(cond, what):
    chromium.expect(driver, cond, what)


def count_line():
    return driver.find_element(By.CSS_SELECTOR, "#changelist .cl-count").text


def count_n():
    m = re.match(r"\s*(\d+)", count_line())
    return int(m.group(1)) if m else None


def rows():
    """(id, title, state label) of every row of the changelist, as shown."""
    out = []
    for tr in driver.find_elements(By.CSS_SELECTOR, "#changelist table.cl-table tbody tr"):
        box = tr.find_element(By.CSS_SELECTOR, "input[name=_selected]")
        title = tr.find_element(By.CSS_SELECTOR, "th[scope=row] a").text.strip()
        state = tr.find_element(By.CSS_SELECTOR, "td[data-label=State]").text.strip()
        out.append((box.get_attribute("value"), title, state))
    return out


def query():
    return parse_qs(urlparse(driver.current_url).query)


def flash():
    els = driver.find_elements(By.CSS_SELECTOR, ".flash")
    return els[0].text if els else ""


try:
    # 1. Sign in.
    driver.get(base + "/admin/login")
    driver.find_element(By.NAME, "email").send_keys(email)
    pw = driver.find_element(By.NAME, "password")
    pw.send_keys(password)
    pw.find_element(By.XPATH, "./ancestor::form//button[@type='submit']").click()
    until(lambda: "/login" not in driver.current_url
          and driver.find_elements(By.CSS_SELECTOR, "header.admin-header"), "the admin after signing in")
    shot("1-signed-in")

    # 2. The posts list, filtered to drafts from the "By state" panel.
    driver.get(base + "/admin/content/posts")
    until(lambda: driver.find_elements(By.CSS_SELECTOR, "#changelist table.cl-table tbody tr"), "the posts list")
    everything = rows()
    total = count_n()
    expect(total == len(everything) and total >= 8,
           f"the count line and the rows to agree on the seeded posts (8 or more); got {count_line()!r} and {len(everything)} rows")
    drafts_all = [r for r in everything if r[2] == "Draft"]
    expect(len(drafts_all) >= 3 and len(drafts_all) < len(everything),
           f"a few drafts among other states; the rows are {everything}")
    panel = driver.find_element(
        By.XPATH, "//aside[contains(@class,'cl-side')]//section[contains(@class,'filter')][h3[normalize-space()='By state']]")
    panel.find_element(By.LINK_TEXT, "Draft").click()
    until(lambda: query().get("state") == ["draft"], "the URL to carry the state=draft filter")
    until(lambda: count_n() == len(drafts_all) and len(rows()) == len(drafts_all)
          and all(r[2] == "Draft" for r in rows()),
          f"the list to show only the {len(drafts_all)} drafts")
    selected = driver.find_elements(By.CSS_SELECTOR, ".cl-side a.selected[aria-current=true]")
    expect([a.text for a in selected if a.text == "Draft"],
           "the Draft filter link to be marked as the one in use")
    expect(driver.find_elements(By.CSS_SELECTOR, "#changelist ul.chips li"),
           "a chip to show the filter in use")
    shot("2-filtered-draft")

    # 3. Search within the drafts; htmx swaps the list in place and updates the URL.
    box = driver.find_element(By.ID, "cl-q")
    box.send_keys(SEARCH)
    matching = [r for r in drafts_all if SEARCH in r[1].lower()]
    expect(0 < len(matching) < len(drafts_all), f"the seeded drafts {drafts_all} to give a narrower search")
    until(lambda: query().get("q") == [SEARCH], f"the URL to change to include q={SEARCH} (htmx push-url)")
    expect(query().get("state") == ["draft"],
           "the search to keep the state=draft filter applied in place by htmx (the search form is"
           " outside #changelist, so its hidden inputs still hold the query the page first loaded with)")
    until(lambda: sorted(r[0] for r in rows()) == sorted(r[0] for r in matching)
          and count_n() == len(matching),
          f"the list to narrow to the drafts matching {SEARCH!r}: {[r[1] for r in matching]}")
    expect(all(r[2] == "Draft" for r in rows()), "the search to keep the Draft filter")
    expect(f"“{SEARCH}”" in count_line(), f"the count line to name the search; it says {count_line()!r}")
    expect(driver.find_element(By.ID, "cl-q").get_attribute("value") == SEARCH, "the search box to keep the text")
    shot("3-searched")

    # 4. Edit the first match: an empty title is refused, then a new title saves.
    edited_id, old_title, _ = rows()[0]
    driver.find_element(By.CSS_SELECTOR, "#changelist table.cl-table tbody tr th[scope=row] a").click()
    until(lambda: driver.find_elements(By.ID, "field-title")
          and driver.find_element(By.ID, "field-title").get_attribute("value") == old_title,
          f"the change form of “{old_title}”")
    expect(urlparse(driver.current_url).path.rstrip("/").endswith(f"/admin/content/posts/{edited_id}"),
           f"the change form to be at /admin/content/posts/{edited_id}")
    kept = {}
    for fid in ["field-summary", "field-body_markdown", "field-visibility"]:
        kept[fid] = driver.find_element(By.ID, fid).get_attribute("value")
    typed_summary = kept["field-summary"] + " Typed before the error."
    summary = driver.find_element(By.ID, "field-summary")
    summary.clear()
    summary.send_keys(typed_summary)
    kept["field-summary"] = typed_summary
    title = driver.find_element(By.ID, "field-title")
    title.clear()
    expect(title.get_attribute("value") == "", "the title field to be empty before saving")
    driver.find_element(By.CSS_SELECTOR, "form.model-form button[name=_continue]").click()
    until(lambda: driver.find_elements(By.ID, "error-summary"), "the error summary after saving an empty title")
    err = driver.find_element(By.ID, "field-title-error").text.strip()
    expect(err == "Enter a title of 1 to 200 characters.", f"“Enter a title of 1 to 200 characters.” in #field-title-error; it says {err!r}")
    summary_text = driver.find_element(By.ID, "error-summary").text
    expect("Enter a title of 1 to 200 characters." in summary_text, f"the error summary to name the title's error; it says {summary_text!r}")
    expect(driver.find_element(By.ID, "field-title").get_attribute("aria-invalid") == "true",
           "the title field to be marked aria-invalid")
    described = driver.find_element(By.ID, "field-title").get_attribute("aria-describedby") or ""
    expect("field-title-error" in described.split(), f"the title field's aria-describedby to name field-title-error; it is {described!r}")
    expect(driver.find_element(By.ID, "field-title").get_attribute("value") == "", "the title to stay as typed (empty)")
    for fid, value in kept.items():
        now = driver.find_element(By.ID, fid).get_attribute("value")
        expect(now == value, f"#{fid} to keep what it had, {value!r}; it has {now!r}")
    shot("4-edit-error")
    title = driver.find_element(By.ID, "field-title")
    title.clear()
    title.send_keys(new_title)
    driver.find_element(By.CSS_SELECTOR, "form.model-form .submit-row button.primary").click()
    until(lambda: "was changed" in flash(), "the flash message saying the post was changed")
    expect(urlparse(driver.current_url).path.rstrip("/") == "/admin/content/posts",
           "Save to go back to the posts list")
    expect(new_title in flash(), f"the flash to name the new title; it says {flash()!r}")
    until(lambda: any(r[0] == edited_id and r[1] == new_title for r in rows()),
          "the list shows the new title")
    print(f"EDITED {edited_id}", flush=True)
    shot("5-saved")

    # 5. Bulk action: send two other drafts to review, through the confirmation page.
    drafts = [r for r in rows() if r[2] == "Draft" and r[0] != edited_id]
    expect(len(drafts) >= 2, f"two drafts besides the edited one in the list; the rows are {rows()}")
    ticked = [drafts[0][0], drafts[1][0]]
    for pid in ticked:
        driver.find_element(By.CSS_SELECTOR, f"input[name=_selected][value='{pid}']").click()
    for pid in ticked:
        expect(driver.find_element(By.CSS_SELECTOR, f"input[name=_selected][value='{pid}']").is_selected(),
               f"the checkbox of post {pid} to be ticked")
    Select(driver.find_element(By.ID, "cl-action")).select_by_value("to_review")
    expect(Select(driver.find_element(By.ID, "cl-action")).first_selected_option.text == "Submit selected for review (drafts)",
           "the action select to show “Submit selected for review (drafts)”")
    driver.find_element(By.XPATH, "//fieldset[contains(@class,'cl-actionbar')]//button[normalize-space()='Go']").click()
    until(lambda: "are you sure?" in driver.find_element(By.TAG_NAME, "h1").text, "the confirmation page")
    h1 = driver.find_element(By.TAG_NAME, "h1").text
    expect(h1.startswith("Submit selected for review (drafts)"), f"the confirmation heading to name the action; it is {h1!r}")
    listed = driver.find_elements(By.CSS_SELECTOR, "ul.confirm-list li a")
    listed_ids = sorted(a.get_attribute("href").rstrip("/").rsplit("/", 1)[-1] for a in listed)
    expect(listed_ids == sorted(ticked), f"the confirmation to list exactly posts {sorted(ticked)}; it lists {listed_ids}")
    titles = {r[0]: r[1] for r in drafts}
    for a in listed:
        pid = a.get_attribute("href").rstrip("/").rsplit("/", 1)[-1]
        expect(a.text.strip() == titles[pid], f"the confirmation to name post {pid} {titles[pid]!r}; it says {a.text!r}")
    body = driver.find_element(By.ID, "main").text
    expect("These 2 posts will be sent to review" in body, "the confirmation to say “These 2 posts will be sent to review”")
    shot("6-confirm")
    for pid in ticked:
        print(f"TICKED {pid}", flush=True)
    driver.find_element(By.XPATH, "//form[contains(@class,'submit-row')]//button[normalize-space()='Yes, submit selected for review (drafts)']").click()
    until(lambda: "2 posts changed" in flash(), "the flash “2 posts changed”")
    expect(urlparse(driver.current_url).path.rstrip("/") == "/admin/content/posts", "the bulk action to go back to the list")
    shown = {r[0]: r[2] for r in rows()}
    for pid in ticked:
        expect(shown.get(pid) == "In review", f"post {pid} to show as In review in the list; it shows {shown.get(pid)!r}")
    shot("7-bulk-done")

    # 6. Keyboard shortcuts and the theme toggle, then shortcuts turned off (WCAG 2.1.4).
    def press(keys):
        driver.find_element(By.TAG_NAME, "body").click()
        ActionChains(driver).send_keys(keys).perform()

    press("/")
    until(lambda: driver.switch_to.active_element.get_attribute("id") == "cl-q", "“/” to put the focus in the search box")
    press("g")
    ActionChains(driver).send_keys("t").perform()
    until(lambda: urlparse(driver.current_url).path == "/admin/content/tags", "“g t” to open the tags list")
    driver.back()
    until(lambda: urlparse(driver.current_url).path == "/admin/content/posts", "back to the posts list")
    press("?")
    until(lambda: driver.execute_script("return document.getElementById('shortcuts-help').open"), "“?” to open the shortcuts help")
    driver.find_element(By.ID, "shortcuts-off").click()
    driver.find_element(By.CSS_SELECTOR, "[data-close-help]").click()
    press("/")
    time.sleep(0.5)
    expect(driver.switch_to.active_element.get_attribute("id") != "cl-q", "“/” to do nothing once shortcuts are off")
    press("g")
    ActionChains(driver).send_keys("t").perform()
    time.sleep(0.5)
    expect(urlparse(driver.current_url).path == "/admin/content/posts", "“g t” to do nothing once shortcuts are off")
    toggle = driver.find_element(By.ID, "theme-toggle")
    toggle.click()
    until(lambda: driver.execute_script("return document.documentElement.getAttribute('data-theme')") == "dark", "the theme toggle to switch to dark")
    driver.refresh()
    until(lambda: driver.execute_script("return document.documentElement.getAttribute('data-theme')") == "dark", "the dark theme to stay after a reload")
    shot("8-dark")
    print("e2e: ok")
except Failed as e:
    print(f"e2e: FAILED: {e}", flush=True)
    try:
        shot("failure")
    except WebDriverException:
        pass
    sys.exit(1)
finally:
    driver.quit()
