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
export {
  compareSpaceDistributions,
  spaceComparisonStudies,
  spaceComparisonTable,
  spaceHistogramSpec,
  type SpaceComparison,
  type SpaceSample,
} from './space-comparison.js';
export { rankAgreementStudies, rankAgreementTable, rankScatterSpec, type ProtocolRun, type RankAgreementStudy } from './rank-agreement.js';
export { ablationTableView, allTables, divergedTable, reportCsvFiles, reportToMarkdown, searchCostTable, tableToHtml, tableToMarkdown, type Table } from './tables.js';
export { REPORT_MARKER, reportFolderProblem, writeReport, type WrittenReport } from './write-report.js';
export { paperDataProblem, paperReanalysis, PAPER_ALIASES, PAPER_SEARCH_GPU_DAYS, type PaperReanalysisOptions } from './paper-reanalysis.js';
export { buildStudyReport, divergedNote, type DivergedRun, type StudyAblation, type StudyDataset, type StudyReportInput, type StudyDiverged, type StudyRun } from './study-report.js';
export {
  dartsCellGraph,
  genotypeCellGraphs,
  isDartsFamilyGenotype,
  type ArchitectureCells,
  type CellGraph,
  type CellGraphEdge,
  type CellGraphNode,
  type CellNodeRole,
  type DartsFamilyGenotype,
} from './cell-graph.js';
export { cellDiagramSvg, layoutCell, type CellLayout } from './cell-diagram.js';
export {
  architecturesTrainedOf,
  formatArchitecturesTrained,
  formatDuration,
  formatSearchCost,
  supernetParametersOf,
  searchCostSpec,
  summarizeSearchCost,
  type ArchitecturesTrained,
  type PublishedSearchCost,
  type SearchCostRow,
  type SearchDevice,
  type SearchJobCost,
} from './search-cost.js';
export { latencySpec, latencyStudy, latencyTable, type LatencyPoint, type LatencyStudy } from './latency.js';
