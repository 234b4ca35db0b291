// Ferry web UI: small progressive enhancements. Every page works without this script; with
// it, statuses and logs update live, commands can be copied and files loaded into forms.
"use strict";

(function () {
  var POLL_MS = 3000;
  var MAX_LOG_LINES = 2000;
  var sessionEnded = false;

  function endSession() {
    sessionEnded = true;
    var banner = document.getElementById("session-ended");
    if (banner) banner.hidden = false;
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (r.status === 401) {
        endSession();
        throw new Error("session ended");
      }
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  // Runs `fn` every POLL_MS while the tab is visible; `fn` returns a promise.
  function every(fn) {
    var timer = null;
    function schedule() {
      if (sessionEnded) return;
      timer = setTimeout(tick, POLL_MS);
    }
    function tick() {
      timer = null;
      if (document.hidden) return;
      fn().then(schedule, schedule);
    }
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && timer === null && !sessionEnded) tick();
    });
    schedule();
  }

  function setText(root, selector, text) {
    root.querySelectorAll(selector).forEach(function (el) {
      if (el.textContent !== text) el.textContent = text;
    });
  }

  // --- live statuses ---------------------------------------------------------------------
  function applyState(state) {
    state.targets.forEach(function (t) {
      document.querySelectorAll('[data-target-id="' + t.id + '"]').forEach(function (root) {
        root.querySelectorAll('[data-live="target-state"]').forEach(function (el) {
          el.className = "target-state " + t.state;
          setText(el, ".label", t.label);
        });
        setText(root, '[data-live="last-seen"]', t.lastSeen);
        setText(root, '[data-live="reported-version"]', t.reportedVersion || "nothing yet");
      });
    });
    state.deployments.forEach(function (d) {
      document.querySelectorAll('[data-deployment-id="' + d.id + '"]').forEach(function (root) {
        root.querySelectorAll('[data-live="deployment-state"]').forEach(function (el) {
          el.className = "badge " + d.state;
          setText(el, ".label", d.label);
        });
        setText(root, '[data-live="status-message"]', d.message);
        setText(root, '[data-live="status-reported"]', d.reported);
      });
      document.querySelectorAll('[data-timeline-for="' + d.id + '"]').forEach(function (box) {
        if (box.getAttribute("data-status-key") === d.statusKey) return;
        box.setAttribute("data-status-key", d.statusKey);
        // The fragment is rendered (and escaped) by the hub.
        fetch(box.getAttribute("data-timeline-src"), { credentials: "same-origin" }).then(function (r) {
          if (r.ok) return r.text().then(function (html) { box.innerHTML = html; });
        });
      });
    });
  }

  function liveState() {
    var source = document.querySelector("[data-live-src]");
    if (!source) return;
    var url = source.getAttribute("data-live-src");
    every(function () {
      return getJson(url).then(applyState);
    });
  }

  // --- log tails -------------------------------------------------------------------------
  function severityClass(severity) {
    var s = (severity || "").toLowerCase();
    if (s.indexOf("err") >= 0 || s.indexOf("fatal") >= 0 || s.indexOf("crit") >= 0) return "sev-err";
    if (s.indexOf("warn") >= 0) return "sev-warn";
    return "sev-info";
  }

  function span(cls, text) {
    var el = document.createElement("span");
    el.className = cls;
    el.textContent = text;
    return el;
  }

  function logLine(item) {
    var line = document.createElement("div");
    line.className = "log-line " + severityClass(item.severity);
    var time = span("log-time", (item.timestamp || "").substr(11, 8));
    time.title = item.timestamp || "";
    line.appendChild(time);
    if (item.resource !== undefined) line.appendChild(span("log-resource", item.resource));
    line.appendChild(span("log-body", item.body));
    return line;
  }

  function logTail(box) {
    var src = box.getAttribute("data-log-src");
    // Resources that start logging after the page loaded join the filter.
    var filter = document.getElementById(box.getAttribute("data-resource-filter") || "");
    box.scrollTop = box.scrollHeight;
    every(function () {
      var cursor = box.getAttribute("data-cursor") || "0";
      var url = src + (src.indexOf("?") >= 0 ? "&" : "?") + "after=" + encodeURIComponent(cursor);
      return getJson(url).then(function (page) {
        if (!page.items.length) return;
        var atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
        var empty = box.querySelector(".log-empty");
        if (empty) empty.hidden = true;
        page.items.forEach(function (item) {
          box.appendChild(logLine(item));
          if (filter && item.resource && !filter.querySelector('option[value="' + CSS.escape(item.resource) + '"]')) {
            var option = document.createElement("option");
            option.value = item.resource;
            option.textContent = item.resource;
            filter.appendChild(option);
          }
        });
        var lines = box.querySelectorAll(".log-line");
        for (var i = 0; i < lines.length - MAX_LOG_LINES; i++) lines[i].remove();
        box.setAttribute("data-cursor", String(page.cursor));
        if (atBottom) box.scrollTop = box.scrollHeight;
      });
    });
  }

  // --- copy buttons ----------------------------------------------------------------------
  function copyButton(button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) return;
      var text = source.textContent;
      var done = function () {
        var label = button.textContent;
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = label; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { selectText(source); });
      } else {
        selectText(source);
        try { if (document.execCommand("copy")) done(); } catch (e) { /* the text stays selected */ }
      }
    });
  }

  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // --- file inputs into textareas --------------------------------------------------------
  function fileLoader(wrapper) {
    wrapper.hidden = false;
    var input = wrapper.querySelector("input[type=file]");
    var target = document.getElementById(input.getAttribute("data-load-into"));
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file || !target) return;
      if (file.size > 4 * 1024 * 1024) {
        alert(file.name + " is larger than 4 MiB; paste the part you need instead.");
        return;
      }
      var reader = new FileReader();
      reader.onload = function () {
        target.value = String(reader.result);
        target.focus();
      };
      reader.readAsText(file);
      input.value = "";
    });
  }

  // --- fields shown for one choice only --------------------------------------------------
  function showWhen(el) {
    var rule = el.getAttribute("data-show-when").split("=");
    var form = el.closest("form");
    if (!form) return;
    var radios = form.querySelectorAll('input[name="' + rule[0] + '"]');
    function update() {
      var checked = form.querySelector('input[name="' + rule[0] + '"]:checked');
      el.hidden = !checked || checked.value !== rule[1];
    }
    radios.forEach(function (r) { r.addEventListener("change", update); });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-copy]").forEach(copyButton);
    document.querySelectorAll("[data-file-loader]").forEach(fileLoader);
    document.querySelectorAll("[data-show-when]").forEach(showWhen);
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    document.querySelectorAll("[data-log-src]").forEach(logTail);
    liveState();
  });
})();
