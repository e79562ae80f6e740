# Reference values for csm_metrics::compare::nps / nps_wald from Rocks's own implementation,
# the R package NPS (github.com/brendan-r/NPS, commit cd9473e; CRAN "NPS"), nps_test_() on
# category counts c(detractors, passives, promoters).
suppressMessages(library(NPS))
options(nps.100 = FALSE, digits = 17)
cases <- list(
  list(a = c(15, 25, 60), b = c(25, 30, 45)),
  list(a = c(3, 4, 13), b = c(6, 5, 9)),
  list(a = c(0, 0, 10), b = c(10, 0, 0)),
  list(a = c(120, 310, 570), b = c(150, 320, 530)),
  list(a = c(2, 1, 2), b = c(1, 3, 1)),
  list(a = c(40, 20, 40), b = c(35, 30, 35))
)
for (c in cases) {
  for (test in c("adjusted.wald", "wald")) {
    r <- nps_test_(c$a, c$b, test = test)
    cat(sprintf("%s a=(%s) b=(%s) delta=%.15f se=%.15f low=%.15f high=%.15f p=%.15g\n",
      test, paste(c$a, collapse = ","), paste(c$b, collapse = ","),
      r$delta.hat, r$se.hat, r$int[1], r$int[2], r$p.value))
  }
}
# How it was run (R is not a dependency of the crate): Debian's r-base-core, then the
# package from its repository (`R CMD INSTALL NPS` on a checkout of brendan-r/NPS at
# cd9473e; CRAN is not needed), then `Rscript tests/reference/nps_rocks.R`. The figures
# printed are the ones in tests/compare.rs (nps_against_rocks_r_package).
