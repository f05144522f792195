// The trends stage: the campaign's kept claims rows of each owned provider, as (age in weeks,
// services), through kernels::compute_trends. Local: no communication.
#include "kernels/trends.hpp"
#include "src/pipeline/stages.hpp"

namespace signalrank::pipeline {

kernels::TrendParams trend_params(const Campaign& campaign) {
  kernels::TrendParams p;
  p.window_weeks = campaign.window_weeks;
  p.slope_weeks = campaign.slope_weeks;
  p.trigger_weeks = campaign.trigger_weeks;
  p.baseline_weeks = campaign.baseline_weeks;
  p.trigger_z = campaign.trigger_z;
  p.trigger_min = campaign.trigger_min;
  return p;
}

WeekRange trend_weeks(const Campaign& campaign, WeekIndex as_of_week) {
  return {as_of_week - kernels::trend_history_weeks(trend_params(campaign)) + 1, as_of_week};
}

void compute_trends(const OwnedData& data, WeekIndex as_of_week, const Campaign& campaign, Columns& columns) {
  const std::size_t rows = data.claims.week.size();
  std::vector<std::int32_t> age(rows);
  std::vector<double> services(rows);
#pragma omp parallel for schedule(static)
  for (std::size_t r = 0; r < rows; ++r) {
    age[r] = as_of_week.value - data.claims.week[r];
    services[r] = static_cast<double>(data.claims.services[r]);
  }
  kernels::compute_trends(data.claims.offsets, age, services, trend_params(campaign),
                          {columns.volume, columns.prior_volume, columns.growth, columns.slope, columns.trigger_z,
                           columns.trigger});
}

}  // namespace signalrank::pipeline
