"""Headless Chromium opens the admin on a phone-sized window (375 px wide): the page must not
be wider than the screen and every navigation link must be a target of at least 24x24 px.
A screenshot of each page goes to argv[2].

Usage: admin_phone.py BASE_URL SCREENSHOT_DIR EMAIL PASSWORD
Run by tests/requests/defects_first_use.rs; prints `e2e: ok`.
"""
import os
import sys

import chromium
from selenium.webdriver.common.by import By

base, shots, email, password = sys.argv[1:5]
os.makedirs(shots, exist_ok=True)
driver = chromium.start()
try:
    driver.set_window_size(375, 800)
    driver.get(base + "/admin/login")
    driver.find_element(By.NAME, "email").send_keys(email)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    for name, path in [("dashboard", "/admin"), ("posts", "/admin/content/posts")]:
        driver.get(base + path)
        assert driver.find_elements(By.CSS_SELECTOR, ".admin-nav"), f"{path}: no admin navigation"
        inner = driver.execute_script("return window.innerWidth")
        wide = driver.execute_script("return document.documentElement.scrollWidth")
        assert wide <= inner, f"{path}: the page is {wide} px wide on a {inner} px screen"
        targets = driver.execute_script(
            "return Array.from(document.querySelectorAll('.admin-nav a'))"
            ".map(a => { const r = a.getBoundingClientRect();"
            " return [a.textContent.trim(), r.width, r.height, r.right]; })")
        assert targets, f"{path}: no navigation links"
        for label, w, h, right in targets:
            assert w >= 24 and h >= 24, f"{path}: '{label}' is {w:.0f}x{h:.0f} px"
            assert right <= inner, f"{path}: '{label}' ends at {right:.0f} px, off the screen"
        driver.save_screenshot(os.path.join(shots, f"phone-{name}.png"))
    print("e2e: ok")
finally:
    driver.quit()
