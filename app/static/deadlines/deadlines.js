/* policykg deadlines page: an agency's or a province's duties due in a period, and the overdue ones.
 *
 * Plain script, no build step. Data comes from this server only:
 *   GET /api/deadlines?agency=|province=&from=&to=&overdue=&today=   (JSON); &format=csv is the download
 */
(function () {
  "use strict";

  const TEXT = {
    vi: {
      title: "Thời hạn nhiệm vụ", explorer: "Tra cứu", cascade: "So sánh theo tỉnh", api: "API", langToggle: "English",
      formTitle: "Nhiệm vụ theo thời hạn",
      formHint: "Chọn một cơ quan hoặc một tỉnh, và một khoảng thời gian (năm, tháng hoặc ngày): danh sách cho thấy nhiệm vụ đến hạn và nhiệm vụ đã quá hạn mà chưa có văn bản báo cáo hoàn thành.",
      scopeKind: "Phạm vi", province: "Tỉnh, thành phố", agency: "Cơ quan", scopeName: "Tên, mã hoặc IRI",
      scopePlaceholder: "vd. quang-tri hoặc Sở KH&CN Quảng Trị", from: "Từ", to: "Đến", overdueOnly: "Chỉ nhiệm vụ quá hạn",
      show: "Xem", csv: "Tải CSV", periodHint: "Năm (2025), tháng (2025-06) hoặc ngày (2025-06-30); để trống là không giới hạn.",
      due: "Hạn cuối", deadline: "Thời hạn theo văn bản", status: "Tình trạng", role: "Vai trò", document: "Văn bản", task: "Nhiệm vụ",
      loading: "Đang tải…", failed: "Không thực hiện được", didYouMean: "Có phải:",
      statuses: { due: "Còn hạn", overdue: "Quá hạn", done: "Đã báo cáo hoàn thành" },
      roles: { lead: "Chủ trì", coordinate: "Phối hợp", advise: "Tham mưu", assigned: "Được giao", draft: "Soạn thảo" },
      summary: (n, o, u, today) => `${n} nhiệm vụ, ${o} quá hạn (tính đến ${today}); ${u} nhiệm vụ không nêu thời hạn.`,
      reportedBy: "báo cáo:",
    },
    en: {
      title: "Duty deadlines", explorer: "Explorer", cascade: "Cascade comparison", api: "API", langToggle: "Tiếng Việt",
      formTitle: "Duties by deadline",
      formHint: "Choose an agency or a province and a period (a year, month or day): the list shows the duties due and those past their deadline that no document reports done.",
      scopeKind: "Scope", province: "Province", agency: "Agency", scopeName: "Name, key or IRI",
      scopePlaceholder: "e.g. quang-tri or Sở KH&CN Quảng Trị", from: "From", to: "To", overdueOnly: "Overdue only",
      show: "Show", csv: "Download CSV", periodHint: "A year (2025), a month (2025-06) or a day (2025-06-30); empty means open.",
      due: "Due by", deadline: "Deadline as stated", status: "Status", role: "Role", document: "Document", task: "Task",
      loading: "Loading…", failed: "Failed", didYouMean: "Did you mean:",
      statuses: { due: "Due", overdue: "Overdue", done: "Reported done" },
      roles: { lead: "Lead", coordinate: "Coordinate", advise: "Advise", assigned: "Assigned", draft: "Drafter" },
      summary: (n, o, u, today) => `${n} duties, ${o} overdue (as of ${today}); ${u} duties state no deadline.`,
      reportedBy: "report:",
    },
  };

  const params = new URLSearchParams(window.location.search);
  const state = {
    lang: window.policykgPage.initialLanguage(params),
    result: null,
  };
  const $ = (id) => document.getElementById(id);
  const t = (key) => TEXT[state.lang][key];
  const { el, applyLanguage: translatePage, onLanguageToggle, getJSON } = window.policykgPage;

  function query() {
    const out = new URLSearchParams();
    out.set($("scope-kind").value, $("scope-name").value.trim());
    for (const key of ["from", "to"]) if ($(key).value.trim()) out.set(key, $(key).value.trim());
    if ($("overdue").checked) out.set("overdue", "true");
    if (params.get("today")) out.set("today", params.get("today"));
    return out;
  }

  function render() {
    const result = state.result;
    if (!result) return;
    $("result").hidden = false;
    $("result-title").textContent = result.scope.label;
    $("summary").textContent = t("summary")(result.duties.length, result.overdue_count, result.without_deadline, result.today);
    const rows = result.duties.map((duty) => el("tr", { class: `status-${duty.status}` },
      el("td", {}, duty.due),
      el("td", {}, duty.deadline),
      el("td", {}, el("span", { class: duty.status === "overdue" ? "flag flag-lower" : null },
        duty.status === "overdue" ? `⚠ ${t("statuses")[duty.status]}` : t("statuses")[duty.status]),
        duty.reports.length ? ` (${t("reportedBy")} ${duty.reports.map((r) => r.notation || r.iri).join(", ")})` : ""),
      el("td", {}, duty.agency.label),
      el("td", {}, t("roles")[duty.role] || duty.role),
      el("td", {}, duty.document ? duty.document.notation || duty.document.label : ""),
      el("td", {}, duty.task.label)));
    $("deadlines-table").tBodies[0].replaceChildren(...rows);
  }

  async function load() {
    if (!$("scope-name").value.trim()) return;
    const q = query();
    $("csv-link").href = `/api/deadlines?${q}&format=csv`;
    state.result = await getJSON(`/api/deadlines?${q}`, $("status"), t, (o) => o.label || o.iri);
    $("result").hidden = $("csv-link").hidden = !state.result;
    render();
  }

  function remember() {
    const q = query();
    if (state.lang === "en") q.set("lang", "en");
    history.replaceState(null, "", `${window.location.pathname}?${q}`);
  }

  function applyLanguage() {
    translatePage(state.lang, t);
    render();
  }


  if (params.get("agency")) { $("scope-kind").value = "agency"; $("scope-name").value = params.get("agency"); }
  else if (params.get("province")) { $("scope-kind").value = "province"; $("scope-name").value = params.get("province"); }
  $("from").value = params.get("from") || "";
  $("to").value = params.get("to") || "";
  $("overdue").checked = params.get("overdue") === "true";
  $("deadlines-form").addEventListener("submit", (event) => {
    event.preventDefault();
    remember();
    load();
  });
  onLanguageToggle(state, () => {
    remember();
    applyLanguage();
  });
  applyLanguage();
  load();
})();
