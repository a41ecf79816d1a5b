/* Copydesk admin: the theme toggle and keyboard shortcuts. Everything here is optional: every
   page works without it. Shortcuts can be turned off (WCAG 2.1.4) in the help dialog. */
(function () {
  "use strict";
  var doc = document.documentElement;
  function store(key, value) { try { if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, value); } catch (e) { /* ignore */ } }
  function read(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }

  document.querySelectorAll("[data-js-show]").forEach(function (el) { el.hidden = false; });

  // Theme: system → dark → light → system.
  var toggle = document.getElementById("theme-toggle");
  function label() {
    var t = doc.getAttribute("data-theme") || "system";
    if (toggle) {
      toggle.textContent = "Theme: " + t;
      toggle.setAttribute("aria-label", "Colour theme: " + t + ". Change");
    }
  }
  if (toggle) {
    toggle.addEventListener("click", function () {
      var t = doc.getAttribute("data-theme");
      var next = t === null ? "dark" : t === "dark" ? "light" : null;
      if (next) doc.setAttribute("data-theme", next); else doc.removeAttribute("data-theme");
      store("copydesk-theme", next);
      label();
    });
    label();
  }

  // Shortcuts.
  var help = document.getElementById("shortcuts-help");
  var off = document.getElementById("shortcuts-off");
  function enabled() { return read("copydesk-shortcuts") !== "off"; }
  if (off) {
    off.checked = !enabled();
    off.addEventListener("change", function () { store("copydesk-shortcuts", off.checked ? "off" : null); });
  }
  document.querySelectorAll("[data-open-help]").forEach(function (b) {
    b.addEventListener("click", function () { if (help && help.showModal) help.showModal(); });
  });
  document.querySelectorAll("[data-close-help]").forEach(function (b) {
    b.addEventListener("click", function () { if (help) help.close(); });
  });
  var pendingG = false, timer = null;
  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }
  document.addEventListener("keydown", function (e) {
    if (!enabled() || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    if (help && help.open) return;
    if (pendingG) {
      pendingG = false; clearTimeout(timer);
      var link = document.querySelector('[data-shortcut="' + e.key.toLowerCase() + '"]');
      if (link) { e.preventDefault(); window.location.assign(link.getAttribute("href")); }
      return;
    }
    if (e.key === "/") {
      var box = document.querySelector("[data-search-box]");
      if (box) { e.preventDefault(); box.focus(); box.select(); }
    } else if (e.key === "?") {
      if (help && help.showModal) { e.preventDefault(); help.showModal(); }
    } else if (e.key === "g") {
      pendingG = true;
      timer = setTimeout(function () { pendingG = false; }, 1500);
    }
  });

  // After a save with errors, take the person to the summary.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // Editing a post (docs/editorial.md): keep what is typed as an autosave every few seconds
  // while it changes, and give the editing lock back when the page is left. Without this the
  // form's Save button does everything and the lock expires by itself.
  function editBanner() { return document.getElementById("edit-banner"); }
  var editForm = document.querySelector("form.model-form");
  var firstBanner = editBanner();
  if (editForm && firstBanner && firstBanner.dataset.autosaveUrl) {
    var names = ["title", "summary", "body_markdown"];
    var snapshot = function () {
      return names.map(function (n) { var el = editForm.elements[n]; return el ? el.value : ""; }).join("\u0000");
    };
    var status = function (text) {
      var b = editBanner();
      var el = b && b.querySelector("[data-autosave-status]");
      if (el) el.textContent = text;
    };
    // The preview beside the form shows the autosave: reload it after each one, keeping
    // its scroll position.
    var refreshPreview = function () {
      var panel = document.getElementById("side-preview");
      var frame = panel && panel.querySelector("iframe");
      if (!frame || !panel.open) return;
      var y = 0;
      try { y = frame.contentWindow.scrollY; } catch (e) { y = 0; }
      frame.addEventListener("load", function () {
        try { frame.contentWindow.scrollTo(0, y); } catch (e) { /* another origin: leave it */ }
      }, { once: true });
      frame.src = frame.getAttribute("src");
    };
    var kept = snapshot();
    var busy = false;
    var every = Math.max(2, parseInt(firstBanner.dataset.autosaveSeconds, 10) || 10) * 1000;
    setInterval(function () {
      var b = editBanner();
      if (!b || !b.dataset.autosaveUrl || busy) return;
      var now = snapshot();
      if (now === kept) return;
      var data = new URLSearchParams();
      names.forEach(function (n) { var el = editForm.elements[n]; if (el) data.append(n, el.value); });
      var version = editForm.elements["lock_version"];
      data.append("lock_version", version ? version.value : "0");
      data.append("_csrf", b.dataset.csrf);
      busy = true;
      fetch(b.dataset.autosaveUrl, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "x-csrf-token": b.dataset.csrf, "accept": "application/json" }
      }).then(function (r) {
        return r.json().then(function (j) {
          if (r.ok) { kept = now; refreshPreview(); }
          status(j.message || "Your changes could not be kept.");
        });
      }).catch(function () {
        status("Copydesk could not be reached: your text is still in the form. Save once you are back online.");
      }).then(function () { busy = false; });
    }, every);
    window.addEventListener("pagehide", function () {
      var b = editBanner();
      if (!b || !b.dataset.releaseUrl || !navigator.sendBeacon) return;
      var d = new URLSearchParams();
      d.append("_csrf", b.dataset.csrf);
      navigator.sendBeacon(b.dataset.releaseUrl, d);
    });
  }
})();
