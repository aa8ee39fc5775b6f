//! The codec of every generated service and client: prost's, except that a
//! message that does not decode is `INVALID_ARGUMENT` (the caller sent bytes
//! that are not the message) rather than `INTERNAL`, which would tell a
//! client's retry policy that the server is at fault.

use std::marker::PhantomData;

use prost::Message;
use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder};
use tonic::Status;
use tonic_prost::{ProstDecoder, ProstEncoder};

/// The longest part of a decode error repeated to the caller.
const MESSAGE_LIMIT: usize = 200;

/// [`tonic_prost::ProstCodec`], with decode failures as `INVALID_ARGUMENT`.
#[derive(Debug)]
pub struct ProtoCodec<T, U> {
    _types: PhantomData<(T, U)>,
}

impl<T, U> Default for ProtoCodec<T, U> {
    fn default() -> Self {
        Self {
            _types: PhantomData,
        }
    }
}

impl<T, U> Codec for ProtoCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = ProtoDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder::default()
    }

    fn decoder(&mut self) -> Self::Decoder {
        ProtoDecoder(ProstDecoder::default())
    }
}

/// Decodes `U`; see the module documentation.
#[derive(Debug)]
pub struct ProtoDecoder<U>(ProstDecoder<U>);

impl<U: Message + Default> Decoder for ProtoDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        self.0.decode(buf).map_err(undecodable)
    }

    fn buffer_settings(&self) -> BufferSettings {
        self.0.buffer_settings()
    }
}

/// The status of a message that does not decode: `INVALID_ARGUMENT`, with
/// what prost could tell (the message and field at fault), cut short.
pub fn undecodable(status: Status) -> Status {
    let told: String = status.message().chars().take(MESSAGE_LIMIT).collect();
    Status::invalid_argument(format!("the message does not decode: {told}"))
}
