// The e-mail channel: a notification rendered as a message and handed to a MailTransport
// (channel.h, formats.h).
#include "supervisor/notify/channel.h"

namespace pgbr {

namespace {

class MailChannel final : public Channel {
 public:
  MailChannel(MailOptions options, std::shared_ptr<MailTransport> transport)
      : options_(std::move(options)), transport_(std::move(transport)) {
    envelope_.from = bareAddress(options_.from);
    for (const auto& address : options_.to) envelope_.to.push_back(bareAddress(address));
  }

  const std::string& name() const override { return options_.name; }
  std::string_view kind() const override { return "email"; }
  std::string describe() const override {
    std::string text = "e-mail to ";
    for (size_t i = 0; i < envelope_.to.size(); ++i) text += (i ? ", " : "") + envelope_.to[i];
    if (!options_.server_description.empty()) text += " via " + options_.server_description;
    return text;
  }

  DeliveryResult send(const Notification& n) override {
    MailEnvelope envelope = envelope_;
    envelope.message = renderMailMessage(n, options_.from, options_.to);
    return transport_->send(envelope);
  }

 private:
  MailOptions options_;
  std::shared_ptr<MailTransport> transport_;
  MailEnvelope envelope_;
};

}  // namespace

std::unique_ptr<Channel> makeMailChannel(MailOptions options,
                                         std::shared_ptr<MailTransport> transport) {
  return std::make_unique<MailChannel>(std::move(options), std::move(transport));
}

}  // namespace pgbr
