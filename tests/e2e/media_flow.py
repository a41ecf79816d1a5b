"""Headless Chromium works the media library as an editor: drops an image on the upload box
(the drop puts the file in the plain file input), sends the form, lands on the image's page;
opens a post, puts the cursor in the body and inserts the image from the chooser with the
keyboard, then saves. The upload page fits a phone-sized screen. Screenshots go to argv[2].

Usage: media_flow.py BASE_URL SCREENSHOT_DIR EMAIL PASSWORD POST_ID
Run by tests/e2e/media.rs; prints `MEDIA <id>` and `e2e: ok`.
"""
import base64
import os
import sys
import time

import chromium
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

# A 2x2 PNG, made by hand: the page gets the bytes as the drop's file.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGM4oaEhV3GCAUIBACGcBO0kY7GPAAAAAElFTkSuQmCC"
)

base, shots, email, password, post_id = sys.argv[1:6]
os.makedirs(shots, exist_ok=True)
driver = chromium.start()


def wait_for(check, what, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


try:
    driver.get(base + "/admin/login")
    driver.find_element(By.NAME, "email").send_keys(email)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_for(lambda: "/admin/login" not in driver.current_url, "sign-in")

    driver.get(base + "/admin/media/upload")
    hint = driver.find_element(By.ID, "upload-file-hint").text
    assert "drop one" in hint, hint
    driver.execute_script(
        """
        const bytes = Uint8Array.from(atob(arguments[0]), c => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], 'dropped.png', {type: 'image/png'}));
        const zone = document.querySelector('[data-drop-zone]');
        zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
        zone.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
        """,
        base64.b64encode(PNG).decode(),
    )
    status = driver.find_element(By.CSS_SELECTOR, "[data-drop-status]").text
    assert "dropped.png" in status, status
    assert driver.switch_to.active_element.get_attribute("id") == "upload-file"
    driver.find_element(By.ID, "upload-alt").send_keys("Four pixels, dropped in the browser.")
    driver.save_screenshot(os.path.join(shots, "1-upload.png"))
    driver.find_element(By.CSS_SELECTOR, ".upload-form button[type=submit]").click()
    wait_for(lambda: "/admin/content/media/" in driver.current_url, "the image's page")
    media_id = driver.current_url.rstrip("/").rsplit("/", 1)[1]
    print(f"MEDIA {media_id}")
    main = driver.find_element(By.TAG_NAME, "main").text
    assert "Stored files" in main, main
    driver.save_screenshot(os.path.join(shots, "2-uploaded.png"))

    driver.get(f"{base}/admin/content/posts/{post_id}")
    body = driver.find_element(By.NAME, "body_markdown")
    body.click()
    body.send_keys(Keys.CONTROL, Keys.END)
    buttons = driver.find_elements(By.CSS_SELECTOR, ".chooser-row button")
    assert buttons, "the chooser has an Insert button per image"
    label = buttons[0].get_attribute("aria-label")
    assert label.startswith("Insert into the body: "), label
    buttons[0].send_keys(Keys.ENTER)
    wait_for(lambda: "](/media/images/" in body.get_attribute("value"), "the inserted Markdown")
    assert driver.switch_to.active_element.get_attribute("name") == "body_markdown"
    driver.save_screenshot(os.path.join(shots, "3-inserted.png"))
    driver.find_element(By.CSS_SELECTOR, ".submit-row button[name=_continue]").click()
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".flash"), "the save")

    driver.set_window_size(375, 800)
    driver.get(base + "/admin/media/upload")
    inner = driver.execute_script("return window.innerWidth")
    wide = driver.execute_script("return document.documentElement.scrollWidth")
    assert wide <= inner, f"the upload page is {wide} px wide on a {inner} px screen"
    driver.save_screenshot(os.path.join(shots, "4-phone.png"))
    print("e2e: ok")
finally:
    driver.quit()
