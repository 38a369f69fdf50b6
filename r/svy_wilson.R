# r/svy_wilson.R — the Wilson interval of a design-based proportion, R 4.5 survey's svyciprop(method = "wilson")
# formula (survey 4.1-1 has none; see r/weighted_golden.R): effective n = p(1 - p)/SE², t quantile with the
# design df. Sourced by r/weighted_golden.R, r/design_cli_golden.R and r/replicate_cli_golden.R (run from the
# repository root).
wilson <- function(p, se, df, level) {
  t <- qt(1 - (1 - level) / 2, df)
  ne <- p * (1 - p) / se^2
  c(p + t^2 / (2 * ne) - t / (2 * ne) * sqrt(4 * ne * p * (1 - p) + t^2),
    p + t^2 / (2 * ne) + t / (2 * ne) * sqrt(4 * ne * p * (1 - p) + t^2)) / (1 + t^2 / ne)
}
