import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiGet, apiSend, download } from "../api.ts";
import { ErrorNote, Loading, Page, TableWrap } from "../components.tsx";
import { dateTime, usd } from "../format.ts";
import { OptionsBar, useOptions } from "../options.tsx";
import type { GainsSummary, Report } from "../types.ts";

/** What each report file is, in the order the API lists them. */
const FILE_LABEL: Record<string, string> = {
  "form8949.pdf": "Form 8949 (PDF, with cover statement)",
  "turbotax.csv": "TurboTax import (CSV)",
  "taxact.csv": "TaxAct import (CSV)",
  "report-form8949.csv": "Form 8949 (generic CSV)",
  "form8949.csv": "Form 8949 rows (lotwise gains CSV)",
  "summary.json": "Schedule D summary (JSON)",
  "gifts.csv": "Gifts (CSV)",
};
const ORDER = Object.keys(FILE_LABEL);

export const ReportsPage = () => {
  const client = useQueryClient();
  const { year, method, scope } = useOptions();
  const reports = useQuery({
    queryKey: ["reports"],
    queryFn: () => apiGet<{ reports: Report[] }>("/v1/reports"),
  });
  const create = useMutation({
    mutationFn: () =>
      apiSend<Report & { summary: GainsSummary }>("POST", "/v1/reports", {
        json: { kind: "gains", year, method, scope },
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: ["reports"] }),
  });
  const remove = useMutation({
    mutationFn: (id: number) => apiSend("DELETE", `/v1/reports/${id}`),
    onSuccess: () => client.invalidateQueries({ queryKey: ["reports"] }),
  });
  return (
    <Page
      title="Reports"
      intro="A report freezes the year's gains as computed now; its files download as often as you like."
    >
      <section className="card" aria-labelledby="new-report">
        <h2 id="new-report">New report</h2>
        <OptionsBar idPrefix="report" />
        <button type="button" onClick={() => create.mutate()} disabled={create.isPending}>
          {create.isPending ? "Generating…" : `Generate the ${year} report`}
        </button>
        {create.data ? (
          <p role="status">
            Report {create.data.id} ready: net gain {usd(create.data.summary.net)}.
          </p>
        ) : null}
        <ErrorNote error={create.error} />
      </section>
      <section className="card" aria-labelledby="reports-title">
        <h2 id="reports-title">Your reports</h2>
        <ErrorNote error={reports.error ?? remove.error} />
        {reports.isPending ? (
          <Loading what="reports" />
        ) : reports.data?.reports.length ? (
          <TableWrap label="Reports">
            <table>
              <thead>
                <tr>
                  <th scope="col">Report</th>
                  <th scope="col">Downloads</th>
                  <th scope="col">Year, method, scope</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {reports.data.reports.map((r) => (
                  <tr key={r.id}>
                    <th scope="row">#{r.id}</th>
                    <td>
                      <ul className="plain downloads">
                        {[...r.files]
                          .sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b))
                          .map((f) => (
                            <li key={f}>
                              <button
                                type="button"
                                className="link"
                                onClick={() => download(`/v1/reports/${r.id}/${f}`, f)}
                                aria-label={`Download ${FILE_LABEL[f] ?? f} of report ${r.id}`}
                              >
                                {FILE_LABEL[f] ?? f}
                              </button>
                            </li>
                          ))}
                      </ul>
                    </td>
                    <td>
                      {r.taxYear} · {String(r.params.method ?? "fifo")} ·{" "}
                      {String(r.params.scope ?? "transition")}
                    </td>
                    <td>{dateTime(r.createdAt)}</td>
                    <td>
                      <button
                        type="button"
                        className="danger"
                        onClick={() => remove.mutate(r.id)}
                        aria-label={`Delete report ${r.id}`}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        ) : (
          <p className="muted">No report yet.</p>
        )}
      </section>
    </Page>
  );
};
