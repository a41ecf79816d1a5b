/* Copydesk moderation: live queue counts over server-sent events, and keyboard shortcuts
   on the queue and case pages. Everything works without it: the counts are in the page,
   every action is a form. Shortcuts honour the "Turn keyboard shortcuts off" choice and
   never fire while typing in a field. */
(function () {
  "use strict";
  function read(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }
  function enabled() { return read("copydesk-shortcuts") !== "off"; }

  // Live counts.
  var counts = document.querySelector("[data-live-url]");
  if (counts && window.EventSource) {
    var status = document.querySelector("[data-live-status]");
    var source = new EventSource(counts.getAttribute("data-live-url"));
    source.addEventListener("counts", function (e) {
      var c;
      try { c = JSON.parse(e.data); } catch (err) { return; }
      Object.keys(c).forEach(function (k) {
        var el = counts.querySelector('[data-count="' + k + '"]');
        if (el && el.textContent !== String(c[k])) el.textContent = String(c[k]);
      });
      if (status) status.textContent = "Counts update live.";
      document.documentElement.setAttribute("data-live-counts", "1");
    });
    source.addEventListener("error", function () {
      if (status) status.textContent = "Live counts paused; reconnecting…";
    });
  }

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }
  function click(key) {
    var el = document.querySelector('[data-mod-key="' + key + '"]');
    if (!el) return false;
    if (el.tagName === "A") window.location.assign(el.getAttribute("href")); else el.click();
    return true;
  }

  var table = document.querySelector("[data-mod-queue]");
  var rows = table ? Array.prototype.slice.call(table.querySelectorAll("tbody tr")) : [];
  var at = -1;
  function focusRow(i) {
    if (!rows.length) return;
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, j) { r.classList.toggle("is-current", j === at); });
    var link = rows[at].querySelector("[data-row-link]");
    if (link) link.focus();
  }
  var decide = document.querySelector('[data-mod-form="decide"]');

  // In the decision form, Ctrl+Enter (or Cmd+Enter) sends it.
  if (decide) {
    decide.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); decide.requestSubmit(); }
    });
  }

  document.addEventListener("keydown", function (e) {
    if (!enabled() || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    var help = document.getElementById("shortcuts-help");
    if (help && help.open) return;
    var k = e.key;
    if (table) {
      if (k === "j") { e.preventDefault(); focusRow(at + 1); return; }
      if (k === "k") { e.preventDefault(); focusRow(at - 1); return; }
      // Enter on the focused link follows it by itself; "o" opens the current row.
      if (at >= 0 && (k === "o" || (k === "Enter" && !(e.target && e.target.tagName === "A")))) {
        e.preventDefault(); window.location.assign(rows[at].getAttribute("data-case-url")); return;
      }
      if (k === "x" && at >= 0) {
        var box = rows[at].querySelector('input[type="checkbox"]');
        if (box) { e.preventDefault(); box.checked = !box.checked; }
        return;
      }
      if (k === "n") { if (click("n")) e.preventDefault(); return; }
      return;
    }
    if (k === "j" || k === "k" || k === "c") { if (click(k)) e.preventDefault(); return; }
    if (decide && (k === "a" || k === "r")) {
      e.preventDefault();
      var radio = decide.querySelector(k === "a" ? "#decide-keep" : "#decide-remove");
      if (!radio) return;
      radio.checked = true;
      if (k === "a") { decide.requestSubmit(); return; }
      var reason = decide.querySelector("#decide-reason");
      if (reason) reason.focus();
    }
  });
})();
