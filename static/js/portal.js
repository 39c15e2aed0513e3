// portal.js: the portal's own small script. No framework, nothing inline (the CSP allows only scripts from
// this origin). It ticks countdowns, copies text to the clipboard and lets htmx show error answers.
(function () {
  "use strict";

  // The browser's clock may be wrong; deadlines are the server's. offset = server time - browser time,
  // taken from <meta name="server-time"> when the page was rendered.
  var offset = 0;
  var meta = document.querySelector('meta[name="server-time"]');
  if (meta) {
    var serverNow = Date.parse(meta.getAttribute("content"));
    if (!isNaN(serverNow)) {
      offset = serverNow - Date.now();
    }
  }

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  // mm:ss of the time left, rounded up as the server does, so 4:59.2 left shows 05:00.
  function format(ms) {
    var secs = Math.max(0, Math.ceil(ms / 1000));
    return pad(Math.floor(secs / 60)) + ":" + pad(secs % 60);
  }

  // tick updates every countdown that has not expired yet. A countdown whose deadline passes gets the class
  // "expired", its expired text (or 00:00) and a bubbling "portal:expired" event, exactly once.
  function tick() {
    var now = Date.now() + offset;
    var els = document.querySelectorAll("[data-deadline]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (el.getAttribute("data-expired-fired") === "true") {
        continue;
      }
      var deadline = Date.parse(el.getAttribute("data-deadline"));
      if (isNaN(deadline)) {
        continue;
      }
      var left = deadline - now;
      if (left > 0) {
        var text = format(left);
        if (el.textContent !== text) {
          el.textContent = text;
        }
        continue;
      }
      el.setAttribute("data-expired-fired", "true");
      el.classList.add("expired");
      el.textContent = el.getAttribute("data-expired-text") || "00:00";
      el.dispatchEvent(new CustomEvent("portal:expired", { bubbles: true }));
    }
  }

  // copy puts text on the clipboard, with the old selection-based way where the Clipboard API is missing
  // (plain HTTP on a LAN is not a secure context).
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (e) {
        ok = false;
      }
      document.body.removeChild(area);
      if (ok) {
        resolve();
      } else {
        reject(new Error("copy failed"));
      }
    });
  }

  // A button with data-copy-target="<id>" copies that element's value (inputs) or text. It gets the class
  // "copied" for two seconds and, when it has data-copied-label, shows that label meanwhile.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest ? ev.target.closest("[data-copy-target]") : null;
    if (!btn) {
      return;
    }
    var target = document.getElementById(btn.getAttribute("data-copy-target"));
    if (!target) {
      return;
    }
    ev.preventDefault();
    var text = "value" in target && typeof target.value === "string" ? target.value : target.textContent;
    copy(text.trim()).then(function () {
      var label = btn.getAttribute("data-copied-label");
      btn.classList.add("copied");
      if (label) {
        if (!btn.hasAttribute("data-label")) {
          btn.setAttribute("data-label", btn.textContent);
        }
        btn.textContent = label;
      }
      window.setTimeout(function () {
        btn.classList.remove("copied");
        if (btn.hasAttribute("data-label")) {
          btn.textContent = btn.getAttribute("data-label");
          btn.removeAttribute("data-label");
        }
      }, 2000);
    }, function () {
      btn.classList.add("copy-failed");
    });
  });

  // htmx swaps no 4xx or 5xx answer by default. The server's error handler answers htmx with a message
  // fragment and an HX-Retarget header naming the page's flash region; such an answer is swapped, so the
  // citizen sees the error where messages appear (and the live region announces it).
  document.addEventListener("htmx:beforeSwap", function (ev) {
    var xhr = ev.detail.xhr;
    if (xhr && xhr.status >= 400 && xhr.getResponseHeader("HX-Retarget")) {
      ev.detail.shouldSwap = true;
    }
  });

  // A request only moves forward: pending, then approved, then a final state. Its panel can be replaced
  // both by the answer to the citizen's own click and by the event stream, and under load the click's
  // answer can arrive after a newer event (approved after delivered, say). A replacement that would show
  // an earlier state than the one on screen is dropped, so the page never goes back in time.
  var stageOf = { pending: 0, approved: 1 };
  function stage(panel) {
    var s = panel && panel.getAttribute("data-status");
    return s in stageOf ? stageOf[s] : 2;
  }
  function incomingPanel(html) {
    var t = document.createElement("template");
    t.innerHTML = html || "";
    return t.content.querySelector("#request-panel");
  }
  function olderThanShown(target, html) {
    if (!target || target.id !== "request-panel") {
      return false;
    }
    var next = incomingPanel(html);
    return next !== null && stage(next) < stage(target);
  }
  document.addEventListener("htmx:beforeSwap", function (ev) {
    if (olderThanShown(ev.detail.target, ev.detail.serverResponse)) {
      ev.detail.shouldSwap = false;
    }
  });
  document.addEventListener("htmx:sseBeforeMessage", function (ev) {
    if (olderThanShown(ev.target, ev.detail && ev.detail.data)) {
      ev.preventDefault();
    }
  });

  // A keyboard user who approves or denies a request, or grants, changes or revokes a consent, would be left
  // with the focus on nothing when htmx or the event stream replaces the part of the page that held the
  // focused button (it is gone), and have to start again from the top. The part that replaced it takes the
  // focus instead. focusHomes are those parts; each has an id that its replacement keeps.
  var focusHomes = "#request-panel, .offer-card";
  var lastFocused = null;
  var lastHome = "";
  document.addEventListener("focusin", function (ev) {
    var home = ev.target.closest ? ev.target.closest(focusHomes) : null;
    lastFocused = ev.target;
    lastHome = home && home.id ? home.id : "";
  });
  document.addEventListener("htmx:load", function (ev) {
    var el = ev.target;
    if (!el || !el.id || el.id !== lastHome || !lastFocused || lastFocused.isConnected) {
      return;
    }
    lastHome = "";
    el.setAttribute("tabindex", "-1");
    el.focus({ preventScroll: true });
  });

  function start() {
    tick();
    window.setInterval(tick, 1000);
    // Content swapped in by htmx (a new pending request from the event stream) shows its time at once.
    document.body.addEventListener("htmx:load", tick);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
