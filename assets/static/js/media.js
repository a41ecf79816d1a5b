/* Copydesk media: optional enhancements, every page works without them.
   1. The upload form: a file dropped on the box is put in the file input (the form is still
      a plain multipart post), and a file over the limit is named before it is sent.
   2. The post page's image chooser: each image gets an "Insert" button that puts its
      Markdown into the body at the cursor; without JavaScript the Markdown is shown to copy. */
(function () {
  "use strict";

  function say(el, text) { if (el) el.textContent = text; }

  document.querySelectorAll("[data-drop-zone]").forEach(function (zone) {
    var input = zone.querySelector("input[type=file]");
    var status = zone.querySelector("[data-drop-status]");
    if (!input) return;
    var max = parseInt(input.getAttribute("data-max-bytes"), 10) || 0;
    function describe() {
      var f = input.files && input.files[0];
      if (!f) { say(status, ""); return; }
      var mb = (f.size / 1048576).toFixed(1);
      say(status, max && f.size > max
        ? f.name + " is " + mb + " MB, larger than this site accepts."
        : "Chosen: " + f.name + " (" + mb + " MB).");
    }
    input.addEventListener("change", describe);
    ["dragenter", "dragover"].forEach(function (t) {
      zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add("is-dragging"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      zone.addEventListener(t, function () { zone.classList.remove("is-dragging"); });
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      if (!e.dataTransfer || !e.dataTransfer.files.length) return;
      try {
        input.files = e.dataTransfer.files;
      } catch (err) {
        say(status, "Dropping is not supported here: choose the file instead.");
        return;
      }
      describe();
      input.focus();
    });
  });

  var body = document.querySelector("textarea[name=body_markdown]");
  var live = null;
  function announce(text) {
    if (!live) {
      live = document.createElement("p");
      live.className = "visually-hidden";
      live.setAttribute("role", "status");
      document.body.appendChild(live);
    }
    live.textContent = text;
  }
  function insert(text) {
    var start = body.selectionStart || 0, end = body.selectionEnd || 0, v = body.value;
    var before = v.slice(0, start), after = v.slice(end);
    var pre = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
    var post = after && !/^\n/.test(after) ? "\n\n" : "";
    body.value = before + pre + text + post + after;
    var at = (before + pre + text).length;
    body.focus();
    body.setSelectionRange(at, at);
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }
  // The chooser's rows: a link to the image and, as the row's hint, its Markdown.
  var pattern = /^!\[([^\]]*)\]\((\/media\/images\/[0-9a-f]{32}[^)\s]*)\)$/;
  if (body) {
    document.querySelectorAll(".panel-rows li").forEach(function (row) {
      var hint = row.querySelector(".hint");
      var m = hint && pattern.exec(hint.textContent.trim());
      if (!m) return;
      var md = m[0];
      row.setAttribute("data-image-alt", m[1]);
      row.classList.add("chooser-row");
      var thumb = document.createElement("img");
      var link = row.querySelector("a");
      thumb.src = link ? link.getAttribute("href") : m[2];
      thumb.alt = "";
      thumb.width = 96;
      thumb.className = "chooser-thumb";
      row.insertBefore(thumb, row.firstChild);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = "Insert into the body";
      button.setAttribute("aria-label", "Insert into the body: " + (row.getAttribute("data-image-alt") || "image"));
      button.addEventListener("click", function () {
        insert(md);
        announce("Image inserted into the body.");
      });
      row.appendChild(button);
    });
  }
})();
