# Drives real Ruby Sidekiq 6.4 for workers/tests/compat.rs.
#   ruby sidekiq_helper.rb enqueue CLASS N      -> JSON list of jids
#   ruby sidekiq_helper.rb inspect              -> JSON of what Sidekiq's API reads
#   ruby sidekiq_helper.rb web PATH             -> status line, then the rendered page
#   ruby sidekiq_helper.rb web_retry_first      -> POSTs "Retry Now" for the first retry
# REDIS_URL selects the database.
require "json"
require "sidekiq"
require "sidekiq/api"

url = ENV.fetch("REDIS_URL")
Sidekiq.configure_client { |c| c.redis = {url: url} }
Sidekiq.logger.level = Logger::WARN

def entry(j)
  {
    "jid" => j.jid, "klass" => j.klass, "display_class" => j.display_class, "args" => j.args,
    "queue" => j.queue, "error_message" => j["error_message"], "error_class" => j["error_class"],
    "retry_count" => j["retry_count"], "at" => j.at.to_f, "at_year" => j.at.utc.year,
    "created_at_year" => j.created_at.utc.year,
    "failed_at_year" => j["failed_at"] && Time.at(j["failed_at"]).utc.year,
    "enqueued_at" => j.enqueued_at&.to_f, "bid" => j["bid"],
    "error_backtrace" => (j.error_backtrace if j["error_backtrace"])
  }
end

def web_app
  $TESTING = true # Sidekiq's own test mode: no CSRF token needed for POSTs.
  require "sidekiq/web"
  require "rack/mock"
  Rack::MockRequest.new(Sidekiq::Web)
end

case ARGV.shift
when "enqueue"
  klass, n = ARGV[0], ARGV[1].to_i
  jids = Array.new(n) { |i| Sidekiq::Client.push("class" => klass, "args" => ["ruby", i]) }
  puts JSON.dump(jids)
when "inspect"
  s = Sidekiq::Stats.new
  h = Sidekiq::Stats::History.new(2)
  puts JSON.dump(
    "stats" => {
      "processed" => s.processed, "failed" => s.failed, "retry_size" => s.retry_size,
      "dead_size" => s.dead_size, "processes_size" => s.processes_size,
      "workers_size" => s.workers_size, "enqueued" => s.enqueued,
      "default_queue_latency" => s.default_queue_latency
    },
    "history_processed" => h.processed, "history_failed" => h.failed,
    "retries" => Sidekiq::RetrySet.new.map { |j| entry(j) },
    "dead" => Sidekiq::DeadSet.new.map { |j| entry(j) },
    "scheduled" => Sidekiq::ScheduledSet.new.map { |j| entry(j) },
    "processes" => Sidekiq::ProcessSet.new.map { |p|
      {"identity" => p.identity, "busy" => p["busy"], "quiet" => p.stopping?, "beat_year" => Time.at(p["beat"]).utc.year,
       "started_at_year" => Time.at(p["started_at"]).utc.year, "concurrency" => p["concurrency"],
       "queues" => p["queues"], "tag" => p.tag, "hostname" => p["hostname"]}
    },
    "workers" => Sidekiq::Workers.new.map { |process, tid, w|
      {"process" => process, "tid" => tid, "queue" => w["queue"], "jid" => w["payload"]["jid"],
       "class" => w["payload"]["class"], "run_at_year" => Time.at(w["run_at"]).utc.year}
    },
    "queues" => Sidekiq::Queue.all.map { |q| {"name" => q.name, "size" => q.size, "latency" => q.latency} }
  )
when "web"
  res = web_app.get(ARGV[0])
  puts res.status
  puts res.body
when "web_retry_first"
  app = web_app
  job = Sidekiq::RetrySet.new.first
  abort "no retry" unless job
  res = app.post("/retries/#{job.score}-#{job.jid}", params: {"retry" => "Retry Now"})
  puts res.status
  puts job.jid
when "web_quiet"
  res = web_app.post("/busy", params: {"identity" => ARGV[0], "quiet" => "1"})
  puts res.status
when "web_stop"
  res = web_app.post("/busy", params: {"identity" => ARGV[0], "stop" => "1"})
  puts res.status
else
  abort "unknown command"
end
