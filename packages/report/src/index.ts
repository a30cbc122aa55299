export type { CurveStudy, DistributionPoint, GroupStudy, RankStudy, ReportData } from './report-data.js';
export {
  ablationSpec,
  curveSpec,
  distributionSpec,
  groupSpec,
  renderSvg,
  riChartSpec,
  slopeSpec,
  tauByEpochSpec,
} from './charts.js';
export { renderHtml } from './html.js';
export { ablationTableView, allTables, reportCsvFiles, reportToMarkdown, tableToHtml, tableToMarkdown, type Table } from './tables.js';
export { writeReport, type WrittenReport } from './write-report.js';
export { paperReanalysis, PAPER_ALIASES, type PaperReanalysisOptions } from './paper-reanalysis.js';
export { buildStudyReport, type StudyAblation, type StudyDataset, type StudyReportInput, type StudyRun } from './study-report.js';
export { latencySpec, latencyStudy, latencyTable, type LatencyPoint, type LatencyStudy } from './latency.js';
