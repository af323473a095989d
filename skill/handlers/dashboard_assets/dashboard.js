// bazinga-db dashboard: live updates over Server-Sent Events, relative times, the theme switch.
// The pages are complete without this file; it only keeps them current. Every piece of markup it inserts
// was rendered (and escaped) by the server.
(function () {
  "use strict";
  var root = document.documentElement;
  var THEMES = ["system", "light", "dark"];
  var KEEP_ENTRIES = 500; // log entries kept on a live page; older ones are a page away

  function storedTheme() {
    try { return localStorage.getItem("bazinga-theme") || "system"; } catch (e) { return "system"; }
  }
  function applyTheme(theme) {
    if (theme === "light" || theme === "dark") root.setAttribute("data-theme", theme);
    else root.removeAttribute("data-theme");
  }
  applyTheme(storedTheme()); // before the page paints: no flash of the other theme
  root.classList.add("js");

  function ago(iso) {
    var then = Date.parse(iso);
    if (isNaN(then)) return null;
    var s = Math.max(0, Math.floor((Date.now() - then) / 1000));
    if (s < 10) return "just now";
    if (s < 60) return s + " s ago";
    if (s < 3600) return Math.floor(s / 60) + " min ago";
    if (s < 86400) return Math.floor(s / 3600) + " h ago";
    return Math.floor(s / 86400) + " d ago";
  }
  function refreshTimes(scope) {
    var nodes = (scope || document).querySelectorAll("time[data-relative]");
    for (var i = 0; i < nodes.length; i++) {
      var text = ago(nodes[i].getAttribute("datetime"));
      if (text) nodes[i].textContent = text;
    }
  }

  function setLive(state, text) {
    var live = document.getElementById("live");
    if (!live) return;
    live.hidden = false;
    live.className = "live " + state;
    live.querySelector(".live-text").textContent = text;
  }

  function connect(url, handlers) {
    if (!window.EventSource || !url) return;
    var source = new EventSource(url);
    source.onopen = function () { setLive("on", "Live"); };
    source.onerror = function () {
      setLive("off", source.readyState === EventSource.CLOSED ? "Disconnected" : "Reconnecting…");
    };
    // The store cannot be read for now (a PostgreSQL server gone away): the server keeps the stream open
    // and retries; the page says so until the next read works, then the updates missed meanwhile arrive.
    source.addEventListener("unavailable", function (event) {
      var data = JSON.parse(event.data);
      setLive("off", "Database unreachable, retrying…");
      var live = document.getElementById("live");
      if (live) live.title = data.message;
    });
    source.addEventListener("available", function () {
      setLive("on", "Live");
      var live = document.getElementById("live");
      if (live) live.removeAttribute("title");
    });
    Object.keys(handlers).forEach(function (name) {
      source.addEventListener(name, function (event) {
        handlers[name](JSON.parse(event.data), source);
      });
    });
  }

  function sessionsPage(body) {
    connect(body.getAttribute("data-events"), {
      sessions: function (data) {
        var tbody = document.getElementById("sessions-body");
        if (tbody) { tbody.innerHTML = data.html; refreshTimes(tbody); }
      }
    });
  }

  function addEntries(list, html, count) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var fresh = Array.prototype.filter.call(holder.content.children, function (node) {
      return !document.getElementById(node.id); // a reconnect may resend an entry already shown
    });
    if (!fresh.length) return;
    var placeholder = list.querySelector(":scope > .none");
    if (placeholder) placeholder.remove();
    for (var i = fresh.length - 1; i >= 0; i--) {
      fresh[i].classList.add("fresh");
      list.insertBefore(fresh[i], list.firstChild);
    }
    while (list.children.length > KEEP_ENTRIES) list.removeChild(list.lastChild);
  }

  function updateRange(list, total) {
    var range = document.getElementById("log-range");
    var entries = list.querySelectorAll(":scope > .entry");
    if (!range) return;
    if (!entries.length) { range.textContent = total.toLocaleString("en-US") + " entries"; return; }
    var newest = Number(entries[0].getAttribute("data-seq"));
    var oldest = Number(entries[entries.length - 1].getAttribute("data-seq"));
    range.textContent = "entries " + oldest.toLocaleString("en-US") + "–" + newest.toLocaleString("en-US") +
      " of " + total.toLocaleString("en-US");
  }

  function sessionPage(body) {
    var liveLogs = body.getAttribute("data-live-logs") === "1";
    var waiting = 0;
    connect(body.getAttribute("data-events"), {
      update: function (data) {
        Object.keys(data.sections).forEach(function (name) {
          var target = document.getElementById(name);
          if (target) target.innerHTML = data.sections[name];
        });
        var list = document.getElementById("log");
        if (list && data.new_logs) {
          if (liveLogs) {
            addEntries(list, data.logs, data.new_logs);
          } else {
            waiting += data.new_logs;
            var paused = document.getElementById("paused");
            if (paused) paused.textContent = "An older page: " + waiting + " new entr" + (waiting === 1 ? "y" : "ies") +
              " since it was opened (← Newest shows them).";
          }
        }
        if (list && liveLogs) updateRange(list, data.log_count);
        refreshTimes(document);
      },
      gone: function (data, source) {
        source.close();
        setLive("off", "Session gone");
        var header = document.getElementById("header");
        if (header) {
          var note = document.createElement("p");
          note.className = "notice";
          note.textContent = data.message;
          header.insertBefore(note, header.firstChild);
        }
      },
      failed: function (data, source) {
        source.close();
        setLive("off", "Stopped: " + data.message);
      }
    });
    var select = document.getElementById("agent-filter");
    if (select) select.addEventListener("change", function () { select.form.submit(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var body = document.body;
    var button = document.getElementById("theme");
    if (button) {
      var current = storedTheme();
      button.textContent = "Theme: " + current;
      button.hidden = false;
      button.addEventListener("click", function () {
        current = THEMES[(THEMES.indexOf(current) + 1) % THEMES.length];
        try { localStorage.setItem("bazinga-theme", current); } catch (e) { /* private mode: this page only */ }
        applyTheme(current);
        button.textContent = "Theme: " + current;
      });
    }
    refreshTimes(document);
    setInterval(function () { refreshTimes(document); }, 15000);
    var page = body.getAttribute("data-page");
    if (page === "sessions") sessionsPage(body);
    if (page === "session") sessionPage(body);
  });
})();
