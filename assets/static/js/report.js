// Reports without leaving the page: a "Report" link (under a comment, or the post's) opens
// the report form inline below it, and the form is sent with fetch; the answer's thank-you,
// or the form with its errors, takes the form's place. The server is the same as without
// this script, which only borrows the pieces of the pages it answers with: without
// JavaScript the link opens the same form on its own page and the form posts as usual.
(function () {
  "use strict";

  function piece(html, id) {
    return new DOMParser().parseFromString(html, "text/html").getElementById(id);
  }

  function close(holder, link) {
    holder.remove();
    link.setAttribute("aria-expanded", "false");
    link.focus();
  }

  // Inline, the page's h1 would break the heading order of the comments: it becomes an h3.
  function demote(panel) {
    var h1 = panel.querySelector("h1");
    if (!h1) return;
    var h3 = document.createElement("h3");
    h3.id = h1.id;
    h3.tabIndex = -1;
    h3.textContent = h1.textContent;
    h1.replaceWith(h3);
  }

  function show(holder, link, panel) {
    demote(panel);
    holder.replaceChildren(panel);
    panel.querySelectorAll("[data-report-cancel]").forEach(function (a) {
      a.addEventListener("click", function (e) {
        e.preventDefault();
        close(holder, link);
      });
    });
    var form = panel.querySelector("form[data-report-form]");
    if (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        send(form, holder, link);
      });
    }
    var first = panel.querySelector("[aria-invalid='true']") || panel.querySelector("[role='alert']") || panel.querySelector("h3");
    if (first) {
      if (!first.matches("input, textarea, select, button, a")) first.tabIndex = -1;
      first.focus();
    }
  }

  function fallback(url) {
    window.location.assign(url);
  }

  function send(form, holder, link) {
    var button = form.querySelector("button[type='submit']");
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { Accept: "text/html" },
      credentials: "same-origin",
    })
      .then(function (res) {
        return res.text().then(function (html) {
          if (res.ok && res.redirected) {
            var thanks = piece(html, "report-status");
            if (!thanks) return fallback(res.url);
            holder.replaceChildren(thanks);
            thanks.tabIndex = -1;
            thanks.focus();
            link.setAttribute("aria-expanded", "false");
            return undefined;
          }
          var panel = piece(html, "report-panel");
          if (!panel) return fallback(form.action);
          show(holder, link, panel);
          return undefined;
        });
      })
      .catch(function () {
        // Offline or refused: let the browser send the form itself.
        if (button) button.disabled = false;
        form.submit();
      });
  }

  function open(link) {
    var after = link.closest("p") || link;
    var next = after.nextElementSibling;
    if (next && next.classList.contains("report-inline")) {
      close(next, link);
      return;
    }
    // One form open at a time: its fields' ids are the page's own.
    document.querySelectorAll(".report-inline").forEach(function (other) {
      other.remove();
    });
    document.querySelectorAll("a[data-report][aria-expanded='true']").forEach(function (other) {
      other.setAttribute("aria-expanded", "false");
    });
    fetch(link.href, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (res) {
        return res.text().then(function (html) {
          var panel = piece(html, "report-panel");
          if (!panel) return fallback(link.href);
          var holder = document.createElement("div");
          holder.className = "report-inline";
          holder.addEventListener("keydown", function (e) {
            if (e.key === "Escape") close(holder, link);
          });
          after.after(holder);
          link.setAttribute("aria-expanded", "true");
          show(holder, link, panel);
          return undefined;
        });
      })
      .catch(function () {
        fallback(link.href);
      });
  }

  document.addEventListener("click", function (e) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    var link = e.target.closest("a[data-report]");
    if (!link) return;
    e.preventDefault();
    open(link);
  });
})();
