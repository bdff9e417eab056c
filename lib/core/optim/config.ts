/**
 * Optimizer settings shared by both engines (plain arrays and tfjs tensors).
 *
 * Defaults are PyTorch's (`torch.optim`, documented update rules):
 * SGD (lr required, momentum 0, dampening 0, no Nesterov), Adam (betas 0.9 and
 * 0.999, eps 1e-8), AdamW (as Adam, weight decay 0.01 applied to the weights
 * directly), RMSprop (alpha 0.99, eps 1e-8 added after the square root).
 *
 * @module
 */

/** The optimizers the lab implements. */
export const OPTIMIZER_NAMES = ["sgd", "adam", "adamw", "rmsprop"] as const;
/** One of {@link OPTIMIZER_NAMES}. */
export type OptimizerName = typeof OPTIMIZER_NAMES[number];

/** Full optimizer settings. `lr` and `weightDecay` can also be given per instance at run time. */
export interface OptimizerConfig {
  /** Which update rule. */
  name: OptimizerName;
  /** Learning rate. */
  lr: number;
  /** L2 term added to the gradient (sgd, adam, rmsprop) or decoupled decay (adamw). */
  weightDecay: number;
  /** Momentum (sgd, rmsprop). */
  momentum: number;
  /** SGD dampening of the momentum buffer. */
  dampening: number;
  /** SGD Nesterov momentum. */
  nesterov: boolean;
  /** Adam/AdamW first-moment decay. */
  beta1: number;
  /** Adam/AdamW second-moment decay. */
  beta2: number;
  /** RMSprop smoothing constant. */
  alpha: number;
  /** RMSprop: normalise by the centred second moment. */
  centered: boolean;
  /** Term added to the denominator (adam, adamw, rmsprop). */
  eps: number;
}

/** PyTorch's defaults for `name`, with the given learning rate. */
export function optimizerDefaults(name: OptimizerName, lr: number): OptimizerConfig {
  return {
    name,
    lr,
    weightDecay: name === "adamw" ? 0.01 : 0,
    momentum: 0,
    dampening: 0,
    nesterov: false,
    beta1: 0.9,
    beta2: 0.999,
    alpha: 0.99,
    centered: false,
    eps: 1e-8,
  };
}

/** Throws a RangeError naming the first setting that is out of range. */
export function validateOptimizer(config: OptimizerConfig): void {
  const { name, lr, weightDecay, momentum, beta1, beta2, alpha, eps, dampening } = config;
  if (!(OPTIMIZER_NAMES as readonly string[]).includes(name)) {
    throw new RangeError(`optimizer must be one of ${OPTIMIZER_NAMES.join("|")}, got ${name}`);
  }
  const check = (ok: boolean, what: string, value: unknown) => {
    if (!ok) throw new RangeError(`${what}, got ${value}`);
  };
  check(Number.isFinite(lr) && lr > 0, "lr must be a finite number > 0", lr);
  check(Number.isFinite(weightDecay) && weightDecay >= 0, "weightDecay must be >= 0", weightDecay);
  check(momentum >= 0 && momentum < 1, "momentum must be in [0, 1)", momentum);
  check(dampening >= 0 && dampening <= 1, "dampening must be in [0, 1]", dampening);
  check(beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1)", beta1);
  check(beta2 >= 0 && beta2 < 1, "beta2 must be in [0, 1)", beta2);
  check(alpha >= 0 && alpha < 1, "alpha must be in [0, 1)", alpha);
  check(eps > 0, "eps must be > 0", eps);
  if (config.nesterov && (momentum <= 0 || dampening !== 0)) {
    throw new RangeError("nesterov needs momentum > 0 and dampening 0");
  }
}
