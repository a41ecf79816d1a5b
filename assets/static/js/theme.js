/* Copydesk admin: apply the chosen colour scheme before the page paints (no choice: follow the system). */
(function () {
  try {
    var t = localStorage.getItem("copydesk-theme");
    if (t === "dark" || t === "light") document.documentElement.setAttribute("data-theme", t);
  } catch (e) { /* storage off: follow the system */ }
})();
