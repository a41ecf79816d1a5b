# A Ruby Sidekiq worker file for `sidekiq -r`: records each job it runs.
require "json"
require "sidekiq"

Sidekiq.configure_server { |c| c.redis = {url: ENV.fetch("REDIS_URL")} }

class CountJob
  include Sidekiq::Worker
  def perform(tag, n)
    Sidekiq.redis { |c| c.rpush("ruby:done", JSON.dump([tag, n, jid])) }
  end
end

class NoopJob
  include Sidekiq::Worker
  def perform(*)
  end
end
