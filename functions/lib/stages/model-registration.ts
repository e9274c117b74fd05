import { modelEvaluations } from '../datasets/models.ts';
import { datasetFileKey } from '../lake/layout.ts';
import { writeDataset } from '../lake/write.ts';
import { weightBytes, type FitReport, type LayersModel } from '../models/nn.ts';
import { sha256HexSync } from '../hash.ts';
import { codeVersion, registerVersion, versionName, type ModelMetadata } from '../models/registry.ts';
import { evaluationRows, type EvaluationReport } from '../models/report.ts';
import type { TfRuntime } from '../models/runtime.ts';
import type { StageContext } from './context.ts';

// Registering a trained model version: the registry files, current.json, and its evaluation rows.

export interface TrainSummary {
  readonly model: string;
  /** why nothing was trained (missing or too little data); the stage goes on */
  readonly skipped?: string;
  readonly version?: string;
  readonly beats_baseline?: boolean;
  readonly use?: string;
  readonly overall?: EvaluationReport['overall'];
  /** the evaluation report (also in models/<name>/<version>/metrics.json) */
  readonly report?: EvaluationReport;
  /** river and heat: origins with every input (used) and lacking one (dropped) */
  readonly origins?: { readonly used: number; readonly dropped: number };
  readonly seconds: number;
}

export interface RegisterOptions {
  /** evaluate only: nothing is written to the lake */
  readonly dryRun?: boolean;
  /** write the version and its evaluation, but leave current.json alone (backtests on external series) */
  readonly keepCurrent?: boolean;
}

export interface Registration {
  readonly name: string;
  readonly model: LayersModel;
  readonly report: Omit<EvaluationReport, 'version' | 'backend' | 'evaluated_at' | 'model' | 'data'>;
  readonly features: readonly string[];
  readonly outputs: readonly string[];
  readonly architecture: Record<string, unknown>;
  readonly training: ModelMetadata['training'];
  readonly preprocessing: Record<string, unknown>;
  /** 'lake' or 'series:<file>' */
  readonly data: string;
}

/** what the registry records of a training run */
export function trainingSummary(result: { readonly trainRows: number; readonly fit: FitReport }): ModelMetadata['training'] {
  const { fit } = result;
  return { rows: result.trainRows, epochs: fit.epochs, steps: fit.steps, seconds: fit.seconds, final_loss: fit.loss.at(-1) ?? null };
}

/** names the version, writes it to the registry and its evaluation to model_evaluations */
export async function register(ctx: StageContext, rt: TfRuntime, r: Registration, options: RegisterOptions = {}): Promise<Omit<TrainSummary, 'seconds'>> {
  const now = ctx.now();
  const weightsSha = sha256HexSync(await weightBytes(r.model));
  const version = versionName(now, weightsSha);
  const report: EvaluationReport = { model: r.name, version, evaluated_at: now.toISOString(), data: r.data, backend: rt.description, ...r.report };
  const metadata: ModelMetadata = {
    name: r.name,
    version,
    trained_at: now.toISOString(),
    training_window: r.report.train,
    evaluation_window: r.report.test,
    data: r.data,
    features: [...r.features],
    outputs: [...r.outputs],
    backend: rt.description,
    code_version: codeVersion(),
    architecture: r.architecture,
    training: r.training,
    preprocessing: r.preprocessing,
    beats_baseline: r.report.beats_baseline,
    use: r.report.use,
    best_baseline: r.report.best_baseline,
    decisions: [...r.report.decisions],
    weights_sha256: weightsSha,
  };
  if (!options.dryRun) {
    await registerVersion(ctx.store, { model: r.model, metadata, report, now, setCurrent: !options.keepCurrent });
    await writeDataset(ctx, modelEvaluations, evaluationRows(report), datasetFileKey(modelEvaluations, `${r.name}-${version}`));
  }
  return { model: r.name, version, beats_baseline: report.beats_baseline, use: report.use === 'model' ? 'model' : report.best_baseline, overall: report.overall, report };
}
