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
    let best = ""; // the longest section path the URL is in (Pools within My data)
    document.querySelectorAll("#nav a[href]").forEach(function (a) {
      const href = a.getAttribute("href");
      if (href !== "/" && path.startsWith(href) && href.length > best.length) best = href;
    });
    document.querySelectorAll("#nav a[href]").forEach(function (a) {
      const current = best !== "" && a.getAttribute("href") === best;
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

  // What the native dialog chose, as the page says it.
  function describeChosen(f, folder) {
    if (!f || !f.path) return folder ? "No folder chosen." : "No file chosen.";
    const what = folder
      ? "folder, " + f.files + (f.files === 1 ? " file" : " files") + " of " + f.format.toUpperCase()
      : f.format.toUpperCase();
    return f.name + " (" + what + ", " + formatSize(f.size) + ")";
  }

  // Desktop: the native open dialog picks the records (a file, or a folder
  // of FHIR files read as one release), and the wizard reads them where
  // they are (POST /mydata/publish/local, a window-only route): nothing is
  // uploaded through a form.
  document.addEventListener("click", async function (ev) {
    const btn = ev.target.closest("[data-desktop-choose-file],[data-desktop-choose-folder]");
    if (!btn || !desktop()) return;
    ev.preventDefault();
    const folder = btn.hasAttribute("data-desktop-choose-folder");
    const out = document.getElementById("chosen-file");
    btn.setAttribute("aria-busy", "true");
    try {
      const f = folder ? await desktop().ChooseDataFolder() : await desktop().ChooseDataFile();
      if (out) {
        out.textContent = describeChosen(f, folder);
        if (f && f.path) out.dataset.path = f.path;
      }
      if (f && f.path && window.htmx) {
        const wizard = document.getElementById("wizard");
        const values = { path: f.path, format: f.format };
        if (!wizard) values.whole = "1"; // from My data: the whole wizard
        // A pool's button names its own route (what joining the pool shares).
        const local = btn.getAttribute("data-desktop-local");
        window.htmx.ajax("POST", local || "/mydata/publish/local", {
          target: wizard && !local ? "#wizard" : "#main",
          swap: "innerHTML",
          values: values,
          source: btn.closest("#wizard-local") || btn, // shows its indicator
        });
      }
    } catch (err) {
      if (out) out.textContent = (folder ? "Could not open the folder: " : "Could not open the file: ") + err;
    } finally {
      btn.removeAttribute("aria-busy");
    }
  });

  // Desktop: a dataset download asks the native save dialog where to put
  // the file, then the node decrypts it there (POST /catalog/{id}/save, a
  // window-only route). The browser keeps its ordinary download.
  document.addEventListener("click", async function (ev) {
    const a = ev.target.closest("a[href]");
    if (!a || !desktop() || !desktop().ChooseSaveFile) return;
    const m = /^\/catalog\/(\d+)\/download(?:\?format=(csv|parquet))?$/.exec(a.getAttribute("href"));
    if (!m) return;
    const format = m[2] || "";
    ev.preventDefault();
    let status = document.getElementById("save-status");
    if (!status) {
      status = document.createElement("p");
      status.id = "save-status";
      status.setAttribute("role", "status");
      a.insertAdjacentElement("afterend", status);
    }
    a.setAttribute("aria-busy", "true");
    try {
      const ext = format || a.dataset.format || "";
      const path = await desktop().ChooseSaveFile("listing-" + m[1] + (ext ? "." + ext : ""));
      if (!path) {
        status.textContent = "Not saved: no file chosen.";
        return;
      }
      status.textContent = "Downloading and decrypting…";
      await window.htmx.ajax("POST", "/catalog/" + m[1] + "/save", {
        target: "#save-status",
        swap: "outerHTML",
        values: { path: path, format: format },
      });
    } catch (err) {
      status.textContent = "Could not save the dataset: " + err;
    } finally {
      a.removeAttribute("aria-busy");
    }
  });

  // Upload progress: htmx reports the request body's progress on the form;
  // the form's <progress data-upload-progress> shows it.
  function progressOf(elt) {
    const form = elt && elt.closest ? elt.closest("form") : null;
    return form ? form.querySelector("progress[data-upload-progress]") : null;
  }
  document.addEventListener("htmx:xhr:progress", function (ev) {
    const bar = progressOf(ev.target);
    if (!bar) return;
    const d = ev.detail || {};
    bar.hidden = false;
    if (d.lengthComputable && d.total > 0) {
      bar.max = d.total;
      bar.value = d.loaded;
      bar.textContent = Math.round((100 * d.loaded) / d.total) + "%";
      const status = document.getElementById("upload-status");
      if (status) {
        status.textContent = d.loaded >= d.total
          ? "Uploaded " + formatSize(d.total) + "; reading the file…"
          : "Uploading " + formatSize(d.loaded) + " of " + formatSize(d.total) + "…";
      }
    } else {
      bar.removeAttribute("value"); // indeterminate
    }
  });
  document.addEventListener("htmx:beforeRequest", function (ev) {
    const bar = progressOf(ev.target);
    if (bar) {
      bar.value = 0;
      bar.hidden = false;
    }
  });
  document.addEventListener("htmx:afterRequest", function (ev) {
    const bar = progressOf(ev.target);
    if (bar && ev.detail && !ev.detail.successful) bar.hidden = true;
  });
  // The question builder (questions.templ): a statistic that needs bounds
  // (its option marked data-bounds) opens the bounds and bins fields
  // (data-bounds-details names them); the others close them. Without
  // script the fields are one click away.
  document.addEventListener("change", function (ev) {
    const sel = ev.target.closest("select[data-bounds-details]");
    if (!sel) return;
    const details = document.getElementById(sel.getAttribute("data-bounds-details"));
    const opt = sel.options[sel.selectedIndex];
    if (details && opt) details.open = opt.hasAttribute("data-bounds");
  });
  // A button marked data-fill writes its data-value into the field it
  // names (the question page's examples fill the text box).
  document.addEventListener("click", function (ev) {
    const btn = ev.target.closest("button[data-fill]");
    if (!btn) return;
    const field = document.getElementById(btn.getAttribute("data-fill"));
    if (!field) return;
    field.value = btn.getAttribute("data-value");
    field.focus();
  });
})();
