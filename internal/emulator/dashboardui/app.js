// CometChat emulator dashboard: polls api/state, streams api/events (Server-Sent Events) and renders
// both with plain DOM calls (textContent only: no markup from data is ever interpreted).
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k.startsWith("data-")) e.setAttribute(k, v);
      else if (k === "title") e.title = v;
      else if (k === "onclick") e.addEventListener("click", v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  };
  const clear = (e) => { while (e.firstChild) e.removeChild(e.firstChild); };
  const fmtTime = (ms) => new Date(ms).toLocaleTimeString();

  const filter = { uid: "", conversation: "" };
  let selectedConv = "";
  let source = null;
  let feedCount = 0;
  const maxFeed = 1000;

  // ---- state ------------------------------------------------------------------------------------
  async function loadState() {
    let st;
    try {
      const r = await fetch("api/state", { cache: "no-store" });
      if (!r.ok) throw new Error(r.status);
      st = await r.json();
    } catch (e) {
      $("app-info").textContent = "emulator unreachable (" + e.message + ")";
      return;
    }
    const a = st.app;
    let info = "app " + a.appId + " · region " + a.region + " · " + a.messages + " messages";
    if (a.dataDir) info += " · data dir " + a.dataDir;
    if (a.persist && a.persist.flushes) {
      info += " · " + a.persist.flushes + " writes, last " + (a.persist.last / 1e6).toFixed(2) + " ms";
    }
    $("app-info").textContent = info;
    renderUsers(st.users || []);
    renderGroups(st.groups || []);
    renderSockets(st.sockets || []);
    renderConversations(st.conversations || []);
    if (selectedConv) loadMessages(selectedConv);
  }

  function renderUsers(users) {
    const ul = $("users");
    clear(ul);
    $("users-count").textContent = users.length + " · " + users.filter((u) => u.online).length + " online";
    for (const u of users) {
      const li = el("li", { class: "clickable" + (filter.uid === u.uid ? " selected" : ""), "data-uid": u.uid,
        title: "Filter the feed by " + u.uid, onclick: () => setFilter({ uid: u.uid, conversation: "" }) },
      el("span", { class: "dot" + (u.online ? " on" : ""), title: u.online ? "online" : "offline" }),
      el("span", { class: "uid" }, u.uid), " ", el("span", { class: "muted" }, u.name),
      u.online && u.sockets > 1 ? el("span", { class: "badge" }, u.sockets + " sockets") : null,
      u.role && u.role !== "default" ? el("span", { class: "badge" }, u.role) : null,
      u.deactivated ? el("span", { class: "badge s4" }, "deactivated") : null,
      u.deleted ? el("span", { class: "badge s5" }, "deleted") : null);
      ul.append(li);
    }
  }

  function renderGroups(groups) {
    const ul = $("groups");
    clear(ul);
    $("groups-count").textContent = groups.length;
    for (const g of groups) {
      const conv = "group_" + g.guid;
      const members = el("ul", { class: "members" });
      for (const m of g.members) {
        members.append(el("li", { "data-uid": m.uid },
          el("span", { class: "dot" + (m.online ? " on" : "") }), m.uid, " ",
          el("span", { class: "badge" }, m.scope), m.uid === g.owner ? el("span", { class: "badge" }, "owner") : null));
      }
      for (const b of g.banned || []) members.append(el("li", {}, b, " ", el("span", { class: "badge s5" }, "banned")));
      ul.append(el("li", { class: "clickable" + (filter.conversation === conv ? " selected" : ""), "data-guid": g.guid,
        onclick: (ev) => { ev.stopPropagation(); selectConversation(conv); } },
      el("strong", {}, g.guid), " ", el("span", { class: "muted" }, g.name + " · " + g.type + " · " +
        g.members.length + " members"), g.deleted ? el("span", { class: "badge s5" }, "deleted") : null, members));
    }
  }

  function renderSockets(sockets) {
    const ul = $("sockets");
    clear(ul);
    $("sockets-count").textContent = sockets.length;
    if (!sockets.length) ul.append(el("li", { class: "muted" }, "No open sockets."));
    for (const c of sockets) {
      ul.append(el("li", { class: "clickable", "data-uid": c.uid, onclick: () => setFilter({ uid: c.uid, conversation: "" }) },
        el("span", { class: "dot on" }), c.uid, " ", el("span", { class: "muted" }, "#" + c.id + " " + c.session),
        c.presence ? el("span", { class: "badge" }, c.presence) : null));
    }
  }

  function renderConversations(convs) {
    const ul = $("conversations");
    clear(ul);
    $("convs-count").textContent = convs.length;
    if (!convs.length) ul.append(el("li", { class: "muted" }, "No messages yet."));
    for (const c of convs) {
      const last = c.last ? c.last.sender + ": " + (c.last.text || c.last.category + "/" + c.last.type) : "";
      ul.append(el("li", { class: "clickable" + (selectedConv === c.conversationId ? " selected" : ""),
        "data-conversation": c.conversationId, onclick: () => selectConversation(c.conversationId) },
      el("strong", {}, c.type === "group" ? "group " + c.with[0] : c.with.join(" ↔ ")), " ",
      el("span", { class: "badge" }, c.messages), el("div", { class: "muted" }, last)));
    }
  }

  function selectConversation(id) {
    selectedConv = id;
    setFilter({ uid: "", conversation: id });
    loadMessages(id);
  }

  async function loadMessages(id) {
    const r = await fetch("api/conversations/" + encodeURIComponent(id) + "/messages", { cache: "no-store" });
    if (!r.ok) return;
    const body = await r.json();
    $("messages-title").textContent = id;
    const ol = $("messages");
    clear(ol);
    if (!body.messages.length) ol.append(el("li", { class: "muted" }, "No messages."));
    for (const m of body.messages) {
      ol.append(el("li", { "data-id": String(m.id) },
        el("span", { class: "time" }, fmtTime(m.sentAt * 1000)), el("span", { class: "msg-sender" }, m.sender),
        m.text || "[" + m.category + "/" + m.type + "]",
        m.edited ? el("span", { class: "badge" }, "edited") : null,
        m.deleted ? el("span", { class: "badge s5" }, "deleted") : null,
        m.parentId ? el("span", { class: "badge" }, "thread of " + m.parentId) : null));
    }
  }

  // ---- feed -------------------------------------------------------------------------------------
  function feedURL() {
    const q = new URLSearchParams();
    if (filter.uid) q.set("uid", filter.uid);
    if (filter.conversation) q.set("conversation", filter.conversation);
    const s = q.toString();
    return "api/events" + (s ? "?" + s : "");
  }

  function connectFeed() {
    if (source) source.close();
    clear($("feed"));
    feedCount = 0;
    $("feed-count").textContent = "";
    source = new EventSource(feedURL());
    source.onopen = () => { const c = $("conn"); c.textContent = "feed: live"; c.className = "badge live"; };
    source.onerror = () => { const c = $("conn"); c.textContent = "feed: reconnecting"; c.className = "badge off"; };
    source.addEventListener("feed", (ev) => addFeedItem(JSON.parse(ev.data)));
  }

  let refreshTimer = null;
  function refreshSoon() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(() => { refreshTimer = null; loadState(); }, 250);
  }

  function addFeedItem(it) {
    const kindShown = { rest: $("show-rest").checked, event: $("show-events").checked, frame: $("show-frames").checked };
    const badge = it.kind === "rest" ? "REST" : it.kind === "frame" ? "WS " + it.dir : "event";
    let cls = "badge " + it.kind;
    if (it.status >= 500) cls += " s5"; else if (it.status >= 400) cls += " s4";
    const head = el("summary", {}, el("span", { class: "time" }, fmtTime(it.time)), el("span", { class: cls }, badge),
      it.status ? el("span", { class: cls }, it.status) : null, it.summary,
      it.sockets > 1 ? el("span", { class: "muted" }, " (" + it.sockets + " sockets)") : null,
      it.durationMs ? el("span", { class: "muted" }, " " + it.durationMs.toFixed(1) + " ms") : null);
    const body = it.detail ? el("pre", {}, JSON.stringify(it.detail, null, 2)) : null;
    const li = el("li", { class: "item kind-" + it.kind, "data-kind": it.kind, "data-seq": String(it.seq) },
      el("details", {}, head, body));
    if (it.conversation) li.setAttribute("data-conversation", it.conversation);
    if (!kindShown[it.kind]) li.hidden = true;
    const feed = $("feed");
    feed.prepend(li);
    feedCount++;
    while (feed.childElementCount > maxFeed) feed.lastElementChild.remove();
    $("feed-count").textContent = feedCount;
    if (it.kind === "event" || (it.kind === "rest" && it.method !== "GET")) refreshSoon();
  }

  for (const id of ["show-frames", "show-rest", "show-events"]) {
    $(id).addEventListener("change", () => {
      const kinds = { rest: $("show-rest").checked, event: $("show-events").checked, frame: $("show-frames").checked };
      for (const li of $("feed").children) li.hidden = !kinds[li.dataset.kind];
    });
  }

  // ---- filter -----------------------------------------------------------------------------------
  function setFilter(f) {
    filter.uid = (f.uid || "").trim().toLowerCase();
    filter.conversation = (f.conversation || "").trim();
    $("filter-uid").value = filter.uid;
    $("filter-conv").value = filter.conversation;
    const q = new URLSearchParams();
    if (filter.uid) q.set("uid", filter.uid);
    if (filter.conversation) q.set("conversation", filter.conversation);
    history.replaceState(null, "", q.toString() ? "?" + q : location.pathname);
    connectFeed();
    loadState();
  }

  let typing = null;
  for (const id of ["filter-uid", "filter-conv"]) {
    $(id).addEventListener("input", () => {
      clearTimeout(typing);
      typing = setTimeout(() => setFilter({ uid: $("filter-uid").value, conversation: $("filter-conv").value }), 400);
    });
  }
  $("filter-clear").addEventListener("click", () => { selectedConv = ""; setFilter({}); });

  // ---- start ------------------------------------------------------------------------------------
  const initial = new URLSearchParams(location.search);
  filter.uid = (initial.get("uid") || "").toLowerCase();
  filter.conversation = initial.get("conversation") || "";
  $("filter-uid").value = filter.uid;
  $("filter-conv").value = filter.conversation;
  if (filter.conversation) { selectedConv = filter.conversation; }
  connectFeed();
  loadState();
  setInterval(loadState, 5000);
})();
