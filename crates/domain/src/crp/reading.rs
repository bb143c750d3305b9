//! A plan as a buyer reads it: the reduction from the baseline in a sentence, the five-year
//! projection, progress against the interim target, a plain comment when the reporting year is
//! above the plan's own trajectory, and the completed projects' savings totalled. Worked out
//! from the plan's frozen content, exactly, and written with the document's one rounding.

use rust_decimal::{Decimal, RoundingStrategy};

use super::inputs::ProjectStatus;
use super::plan::CarbonReductionPlan;
use crate::model::{tonnes_text, tonnes_to_the_kilogram};

/// The template's sentences, each `None` where the plan lacks what it needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanReading {
    /// From the baseline to the reporting year, in tCO2e and %.
    pub reduction: Option<String>,
    /// Where the trajectory puts emissions five years after the reporting year.
    pub five_year: Option<String>,
    /// How far the reporting year has come towards the interim target.
    pub interim_progress: Option<String>,
    /// Said only when the reporting year is above the plan's own trajectory.
    pub above_trajectory: Option<String>,
    /// The completed projects' savings, totalled.
    pub completed_savings: Option<String>,
}

/// `12.3 %`: a share to one decimal place.
fn percent(part: Decimal, whole: Decimal) -> Option<String> {
    if whole.is_zero() {
        return None;
    }
    let share = (part * Decimal::ONE_HUNDRED / whole).round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    Some(format!("{share:.1} %"))
}

fn t(value: Decimal) -> String {
    format!("{} tCO2e", tonnes_text(value))
}

/// A figure as printed: rounded once, to the kilogram. Sentences do their arithmetic on these,
/// so the figures a reader sees add up.
fn shown(value: Decimal) -> Decimal {
    tonnes_to_the_kilogram(value)
}

/// A share that has not reached 100 % never reads as 100.0 %.
fn progress(part: Decimal, whole: Decimal) -> Option<String> {
    if whole.is_zero() {
        return None;
    }
    let share = part * Decimal::ONE_HUNDRED / whole;
    let floored = share.round_dp_with_strategy(1, RoundingStrategy::ToNegativeInfinity);
    Some(format!("{floored:.1} %"))
}

impl CarbonReductionPlan {
    /// The plan's sentences for a buyer.
    pub fn reading(&self) -> PlanReading {
        let c = &self.content;
        let current = c.current_emissions.as_ref().map(|e| shown(e.total));
        let baseline =
            c.baseline.as_ref().and_then(|b| b.emissions.as_ref().map(|e| (b.period.label.as_str(), shown(e.total))));
        let label = c.reporting_period.label.as_str();
        let trajectory_at = |year: i32| c.trajectory.iter().find(|p| p.year == year).map(|p| shown(p.tco2e));
        let mut reading = PlanReading::default();
        if let (Some((base_label, base)), Some(now)) = (baseline, current) {
            let change = now - base;
            let share = percent(change.abs(), base)
                .map(|p| format!(", {} of {p}", if change.is_sign_negative() { "a reduction" } else { "an increase" }));
            reading.reduction = Some(if base.is_zero() {
                format!(
                    "The baseline year {base_label} has no emissions, so no reduction can be measured from it; {label} \
                     emitted {}.",
                    t(now)
                )
            } else if change.is_zero() {
                format!("Emissions in {label} ({}) equal those of the baseline year {base_label}.", t(now))
            } else if change.is_sign_negative() {
                format!(
                    "Emissions fell from {} in the baseline year {base_label} to {} in {label}: {} less{}.",
                    t(base),
                    t(now),
                    t(-change),
                    share.unwrap_or_default()
                )
            } else {
                format!(
                    "Emissions rose from {} in the baseline year {base_label} to {} in {label}: {} more{}.",
                    t(base),
                    t(now),
                    t(change),
                    share.unwrap_or_default()
                )
            });
            if let Some(target) = c.interim_target.as_ref().filter(|_| !base.is_zero()) {
                let goal = shown(base * (Decimal::ONE_HUNDRED - target.reduction_percent) / Decimal::ONE_HUNDRED);
                let asked = base - goal;
                let done = base - now;
                let progress = if now <= goal {
                    format!("{label} already meets it.")
                } else if done <= Decimal::ZERO {
                    format!("In {label} emissions were not below the baseline, so none of that cut has been made yet.")
                } else {
                    format!(
                        "By {label} emissions were {} lower: {} of the cut it asks for.",
                        t(done),
                        progress(done, asked).unwrap_or_else(|| "all".into())
                    )
                };
                reading.interim_progress = Some(format!(
                    "The interim target is {} % below the baseline by {}, that is {}. {progress}",
                    target.reduction_percent.normalize(),
                    target.year,
                    t(goal)
                ));
            }
        }
        let year = self.fy_year + 5;
        if let (Some((_, base)), Some(projected)) = (baseline, trajectory_at(year))
            && !base.is_zero()
        {
            let cut = percent(base - projected, base).unwrap_or_default();
            reading.five_year = Some(match current {
                Some(now) if projected >= now => format!(
                    "The plan's trajectory allows {} by {year} ({cut} below the baseline); emissions in {label} are \
                     already below that, at {}, and the plan keeps them there.",
                    t(projected),
                    t(now)
                ),
                _ => format!(
                    "We project that carbon emissions will decrease over the next five years to {} by {year}. This is \
                     a reduction of {cut} against the baseline.",
                    t(projected)
                ),
            });
        }
        if let (Some(now), Some(path)) = (current, trajectory_at(self.fy_year))
            && now > path
        {
            reading.above_trajectory = Some(format!(
                "Emissions in {label} ({}) are above this plan's trajectory for {} ({}), by {}: the cuts still to \
                 come must be larger to reach the targets.",
                t(now),
                self.fy_year,
                t(path),
                t(now - path)
            ));
        }
        let completed: Vec<_> = c.projects.iter().filter(|p| p.status == ProjectStatus::Completed).collect();
        if !completed.is_empty() {
            let saved = shown(completed.iter().map(|p| p.estimated_saving_tco2e).sum());
            // "A reduction against the baseline" only where it can be one: savings beyond the
            // baseline's whole total are stated as they are.
            let against = baseline
                .and_then(|(base_label, base)| {
                    (saved <= base)
                        .then(|| percent(saved, base))
                        .flatten()
                        .map(|p| format!(", a {p} reduction against the {base_label} baseline"))
                })
                .unwrap_or_default();
            reading.completed_savings = Some(format!(
                "The following environmental management measures and projects have been completed or implemented. \
                 The carbon emission reduction achieved by these schemes equates to {}{against}, and the measures will \
                 be in effect when performing the contract.",
                t(saved)
            ));
        }
        reading
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crp::complete_plan;
    use crate::crp::{InterimTarget, TrajectoryPoint, trajectory};

    fn d(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    /// A plan with a baseline of `base` in 2019-20, `now` in 2025-26, net zero in 2045 and an
    /// interim cut of 50 % by 2030.
    fn plan(base: &str, now: &str) -> CarbonReductionPlan {
        let mut plan = complete_plan();
        plan.fy_year = 2026;
        plan.target_year = 2045;
        let c = &mut plan.content;
        c.reporting_period.label = "2025-26".into();
        let baseline = c.baseline.as_mut().expect("baseline");
        baseline.period.label = "2019-20".into();
        baseline.emissions.as_mut().expect("figures").total = d(base);
        c.current_emissions.as_mut().expect("current").total = d(now);
        c.interim_target = Some(InterimTarget { year: 2030, reduction_percent: d("50") });
        c.trajectory = trajectory(2020, d(base), Some((2030, d("50"))), 2045);
        plan
    }

    #[test]
    fn the_reduction_is_stated_in_tonnes_and_percent() {
        let reading = plan("200", "150").reading();
        assert_eq!(
            reading.reduction.as_deref(),
            Some(
                "Emissions fell from 200.000 tCO2e in the baseline year 2019-20 to 150.000 tCO2e in 2025-26: 50.000 tCO2e less, a reduction of 25.0 %."
            )
        );
        let rose = plan("100", "112.3456").reading();
        assert!(
            rose.reduction
                .as_deref()
                .is_some_and(|s| s.contains("rose") && s.contains("12.346 tCO2e more, an increase of 12.3 %")),
            "{rose:?}"
        );
    }

    #[test]
    fn the_five_year_projection_and_interim_progress_are_read_off_the_trajectory() {
        let reading = plan("200", "150").reading();
        // 2031 on the line from 100 (2030) to 0 (2045): 100 - 100/15.
        assert_eq!(
            reading.five_year.as_deref(),
            Some(
                "We project that carbon emissions will decrease over the next five years to 93.333 tCO2e by 2031. This is a reduction of 53.3 % against the baseline."
            )
        );
        assert_eq!(
            reading.interim_progress.as_deref(),
            Some(
                "The interim target is 50 % below the baseline by 2030, that is 100.000 tCO2e. By 2025-26 emissions were 50.000 tCO2e lower: 50.0 % of the cut it asks for."
            )
        );
    }

    #[test]
    fn a_year_above_the_trajectory_is_commented_on_and_one_below_is_not() {
        // The 2026 point: 200 - 100 × 6/10 = 140.
        assert_eq!(
            plan("200", "150").content.trajectory.iter().find(|p| p.year == 2026),
            Some(&TrajectoryPoint { year: 2026, tco2e: d("140") })
        );
        let above = plan("200", "150").reading().above_trajectory.expect("above");
        assert!(
            above.contains("(150.000 tCO2e) are above this plan's trajectory for 2026 (140.000 tCO2e), by 10.000"),
            "{above}"
        );
        assert_eq!(plan("200", "140").reading().above_trajectory, None, "on the line is not above it");
    }

    #[test]
    fn completed_projects_savings_are_totalled_against_the_baseline() {
        let mut plan = plan("200", "150");
        assert_eq!(plan.reading().completed_savings, None, "only planned projects");
        let done = |saving: &str| crate::crp::Project {
            title: "Done".into(),
            description: String::new(),
            status: ProjectStatus::Completed,
            year: 2024,
            estimated_saving_tco2e: d(saving),
        };
        plan.content.projects.extend([done("12.5"), done("7.5")]);
        let savings = plan.reading().completed_savings.expect("savings");
        assert!(
            savings.contains("equates to 20.000 tCO2e, a 10.0 % reduction against the 2019-20 baseline"),
            "{savings}"
        );
        assert!(savings.contains("will be in effect when performing the contract"), "{savings}");
    }

    #[test]
    fn a_five_year_value_above_today_is_not_called_a_decrease() {
        // 150 today, the trajectory's 2031 value 93.333: a decrease; 80 today: already below it.
        assert!(
            plan("200", "150")
                .reading()
                .five_year
                .is_some_and(|s| s.starts_with("We project that carbon emissions will decrease"))
        );
        let below = plan("200", "80").reading().five_year.expect("five-year");
        assert!(below.contains("already below that, at 80.000 tCO2e") && !below.contains("decrease"), "{below}");
    }

    #[test]
    fn savings_beyond_the_baseline_and_progress_short_of_the_target_are_stated_as_they_are() {
        let mut plan = plan("100", "50.01");
        plan.content.projects.push(crate::crp::Project {
            title: "Big".into(),
            description: String::new(),
            status: ProjectStatus::Completed,
            year: 2012,
            estimated_saving_tco2e: d("120"),
        });
        let savings = plan.reading().completed_savings.expect("savings");
        assert!(savings.contains("equates to 120.000 tCO2e, and") && !savings.contains("%"), "{savings}");
        // 49.99 of the 50 asked: 99.9 %, never 100.0 %.
        let progress = plan.reading().interim_progress.expect("progress");
        assert!(progress.contains("99.9 % of the cut"), "{progress}");
    }

    #[test]
    fn printed_figures_add_up() {
        // 10.1234 and 15.5666 print as 10.123 and 15.567: the difference printed is 5.444.
        let reading = plan("10.1234", "15.5666").reading();
        assert!(reading.reduction.is_some_and(|s| s.contains("5.444 tCO2e more")));
    }

    #[test]
    fn a_zero_baseline_measures_no_reduction() {
        let mut plan = plan("0", "12");
        plan.content.trajectory.clear();
        let reading = plan.reading();
        assert!(reading.reduction.is_some_and(|s| s.contains("no reduction can be measured")));
        assert_eq!((reading.interim_progress, reading.five_year), (None, None));
    }

    #[test]
    fn without_a_baseline_nothing_is_guessed() {
        let mut plan = plan("200", "150");
        plan.content.baseline = None;
        plan.content.trajectory.clear();
        let reading = plan.reading();
        assert_eq!(
            (reading.reduction, reading.five_year, reading.interim_progress, reading.above_trajectory),
            (None, None, None, None)
        );
    }
}
