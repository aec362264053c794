// medmarket's only script besides htmx: it wires the desktop window's native
// features (Wails-bound Go methods) into the page. In a browser it does nothing.
"use strict";

(function () {
  function desktop() {
    return window.go && window.go.app && window.go.app.Desktop;
  }

  function markDesktop() {
    if (desktop()) document.documentElement.classList.add("desktop");
  }

  // The Wails runtime may finish setting up window.go after this script runs.
  markDesktop();
  document.addEventListener("DOMContentLoaded", markDesktop);
  window.addEventListener("load", markDesktop);

  // After an htmx navigation, mark the section the new URL belongs to (full
  // page loads get the mark from the server).
  function markCurrentSection() {
    const path = window.location.pathname;
    document.querySelectorAll("#nav a[href]").forEach(function (a) {
      const href = a.getAttribute("href");
      const current = href !== "/" && path.startsWith(href);
      if (current) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
  }
  document.addEventListener("htmx:pushedIntoHistory", markCurrentSection);
  window.addEventListener("popstate", markCurrentSection);

  function formatSize(n) {
    if (n < 1024) return n + " B";
    if (n < 1 << 20) return (n / 1024).toFixed(1) + " KiB";
    return (n / (1 << 20)).toFixed(1) + " MiB";
  }

  document.addEventListener("click", async function (ev) {
    const btn = ev.target.closest("[data-desktop-choose-file]");
    if (!btn || !desktop()) return;
    ev.preventDefault();
    const out = document.getElementById("chosen-file");
    btn.setAttribute("aria-busy", "true");
    try {
      const f = await desktop().ChooseDataFile();
      if (out) {
        out.textContent = f && f.path
          ? f.name + " (" + f.format.toUpperCase() + ", " + formatSize(f.size) + ")"
          : "No file chosen.";
        if (f && f.path) out.dataset.path = f.path;
      }
    } catch (err) {
      if (out) out.textContent = "Could not open the file: " + err;
    } finally {
      btn.removeAttribute("aria-busy");
    }
  });
})();
